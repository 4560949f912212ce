/**
 * `npm run eval`: how good are the neighbours? Labels are read here, and only to judge: for each
 * Fashion-MNIST test image (query) against the training images (base), the share of its k
 * nearest neighbours that have its category, side by side in one run for raw pixels, PCA at the
 * same d (the label-free linear baseline), our int8 ONNX embedding searched exactly, and our
 * embedding through the PQ index as the edge serves it.
 */
import { Command, InvalidArgumentError } from 'commander';
import { SingleBar, Presets } from 'cli-progress';

import { buildIndex } from '../core/index/index.ts';
import { loadModel, type OnnxEncoder } from '../core/model/index.ts';
import { initBackend } from '../trainer/backend.ts';
import { locateFashionMnist, loadImages, type ImageSet } from '../trainer/data/fashion-mnist.ts';
import { loadLabels } from '../trainer/data/labels.ts';
import { readModelDir } from '../trainer/export/model-dir.ts';
import { initNodeRuntime } from '../trainer/export/ort-node.ts';
import { writeSection } from './bench/_report.ts';
import { exactKnn, l2Normalize, labelPrecision, recallAtK } from './eval/knn.ts';
import { fitPca, projectPca } from './eval/pca.ts';

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${name}=${value} must be a whole number from 1 to ${max}`);
    }
    return n;
  };
}

const program = new Command('eval')
  .description('Label precision@k of the neighbours: raw pixels vs PCA vs our embedding vs PQ')
  .option(
    '--model <dir>',
    'exported model directory (manifest.json, encoder.int8.onnx)',
    'models/default',
  )
  .option('--data <dir>', 'Fashion-MNIST directory (default: the usual places)')
  .option('--queries <n>', 'test images used as queries', positiveInt('--queries', 10_000), 10_000)
  .option('--base <n>', 'training images searched', positiveInt('--base', 60_000), 60_000)
  .option('--k <n>', 'neighbours judged per query', positiveInt('--k', 100), 10)
  .option('--M <n>', 'PQ subquantizers of the served index', positiveInt('--M', 64), 16)
  .option('--no-write', 'print the table without writing BENCHMARKS.md')
  .parse();
const opts = program.opts<{
  model: string;
  data?: string;
  queries: number;
  base: number;
  k: number;
  M: number;
  write: boolean;
}>();

async function embedAll(encoder: OnnxEncoder, set: ImageSet, label: string): Promise<Float32Array> {
  const size = set.height * set.width * set.channels;
  if (set.channels !== 1) throw new Error('eval reads Fashion-MNIST, whose images have 1 channel');
  const out = new Float32Array(set.count * encoder.d);
  const bar = new SingleBar(
    { format: `embed ${label} [{bar}] {value}/{total}` },
    Presets.shades_classic,
  );
  bar.start(set.count, 0);
  const batch = 256;
  for (let at = 0; at < set.count; at += batch) {
    const n = Math.min(batch, set.count - at);
    const images = set.pixels.subarray(at * size, (at + n) * size);
    out.set(await encoder.embed(images, n), at * encoder.d);
    bar.update(at + n);
  }
  bar.stop();
  return out;
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

const dataDir = locateFashionMnist(opts.data);
const backend = await initBackend('wasm');
const base = loadImages(dataDir, 'train', { limit: opts.base });
const queries = loadImages(dataDir, 'test', { limit: opts.queries });
const baseLabels = loadLabels(dataDir, 'train', { limit: opts.base });
const queryLabels = loadLabels(dataDir, 'test', { limit: opts.queries });
const { manifest, bytes } = readModelDir(opts.model, 'int8');
const encoder = await loadModel(initNodeRuntime(), manifest, bytes, 'int8');
const D = base.height * base.width * base.channels;
const { k } = opts;
console.log(
  `eval: ${queries.count} queries, ${base.count} base images, k=${k}, ` +
    `backend ${backend.name}, model ${manifest.files.int8.sha256.slice(0, 12)}`,
);

const lines: string[] = [];
function report(name: string, d: number, bytesPerItem: string, found: Int32Array, note: string) {
  const p1 = labelPrecision(found, k, queryLabels, baseLabels, 1);
  const pk = labelPrecision(found, k, queryLabels, baseLabels);
  const line = row([name, d, bytesPerItem, p1.toFixed(4), pk.toFixed(4), note]);
  console.log(line);
  lines.push(line);
}

const pixelsBase = l2Normalize(base.pixels, D);
const pixelsQueries = l2Normalize(queries.pixels, D);
report('raw pixels', D, String(4 * D), exactKnn(pixelsQueries, pixelsBase, D, k), 'exact');

const d = encoder.d;
const pca = fitPca(base.pixels, D, d);
const pcaBase = l2Normalize(projectPca(pca, base.pixels), d);
const pcaQueries = l2Normalize(projectPca(pca, queries.pixels), d);
report(`PCA of pixels`, d, String(4 * d), exactKnn(pcaQueries, pcaBase, d, k), 'exact');

const ourBase = await embedAll(encoder, base, 'base');
const ourQueries = await embedAll(encoder, queries, 'queries');
const exact = exactKnn(ourQueries, ourBase, d, k);
report('our embedding (int8 ONNX)', d, String(4 * d), exact, 'exact');

const ids = Array.from({ length: base.count }, (_, i) => String(i));
for (const refine of ['none', 'int8'] as const) {
  const index = buildIndex(ourBase, ids, { M: opts.M, refine, seed: 1 });
  const found = new Int32Array(queries.count * k);
  for (let q = 0; q < queries.count; q++) {
    const hits = index.search(ourQueries.subarray(q * d, (q + 1) * d), k);
    hits.forEach((hit, j) => (found[q * k + j] = hit.ordinal));
  }
  const recall = recallAtK(exact, found, k);
  const bytesPerItem = refine === 'none' ? `${opts.M}` : `${opts.M} + ${d}`;
  report(
    `our embedding, PQ M=${opts.M}` + (refine === 'none' ? '' : ', re-rank int8'),
    d,
    bytesPerItem,
    found,
    `recall@${k} vs exact ${recall.toFixed(4)}`,
  );
}
await encoder.release();

const table = [
  row(['representation', 'd', 'bytes/item', 'precision@1', `precision@${k}`, 'search']),
  row(['---', '---:', '---:', '---:', '---:', '---']),
  ...lines,
].join('\n');
const text = [
  `Queries: ${queries.count} Fashion-MNIST test images; base: ${base.count} training images. ` +
    `precision@k is the share of a query's k nearest neighbours (cosine) whose category ` +
    'equals its own; categories are read by this evaluation only, never by training.',
  '',
  table,
].join('\n');
if (opts.write) {
  const args = process.argv.slice(2).join(' ');
  const command = args ? `npm run eval -- ${args}` : 'npm run eval';
  writeSection('quality', 'Neighbour quality: our embedding vs raw pixels', command, text);
}
