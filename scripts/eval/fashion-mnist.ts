/**
 * The Fashion-MNIST evaluation of issue 7: queries are the 10,000 test images, the catalog the
 * 60,000 training images, and an answer is relevant when it has the query's category (labels
 * are read here, to judge, and nowhere in training). Rows: raw pixels (L2), PCA of the pixels
 * fitted on the training images (L2), the fp32 and int8 ONNX embeddings (cosine), all exact;
 * the index as the catalog builder builds it; and the index settings sweep.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';

import { buildIndex, createWasmKernel } from '../../core/index/index.ts';
import { loadModel, type ModelManifest, type ModelVariant } from '../../core/model/index.ts';
import { initBackend } from '../../trainer/backend.ts';
import { EMBED_BATCH, indexOptionsFor } from '../../trainer/catalog/build.ts';
import {
  FASHION_MNIST_COUNTS,
  loadImages,
  locateFashionMnist,
  type ImageSet,
} from '../../trainer/data/fashion-mnist.ts';
import { FASHION_MNIST_CLASS_NAMES, loadLabels } from '../../trainer/data/labels.ts';
import { readModelDir } from '../../trainer/export/model-dir.ts';
import { initNodeRuntime } from '../../trainer/export/ort-node.ts';
import { loadScanModule } from '../build-wasm.ts';
import { categoryPrecision } from './metrics.ts';
import { fitPca, projectPca } from './pca.ts';
import {
  exactRow,
  indexRow,
  rowFigures,
  timeBruteForce,
  type ExactSpec,
  type VectorPair,
} from './rows.ts';
import { describeIndex, runSweep, SWEEP_MIN_CATALOG } from './sweep.ts';
import {
  LIST_LENGTH,
  RECALL_K,
  type CategoryFigures,
  type EvalReport,
  type Row,
  type RowFigures,
  type SweepPoint,
} from './types.ts';

/** Options of {@link evalFashionMnist}. */
export interface FashionMnistEvalOptions {
  /** Model directory: manifest.json and encoder.int8.onnx (and maybe encoder.fp32.onnx). */
  model: string;
  /** Directory of encoder.fp32.onnx when it is not beside the int8 file. */
  fp32Model?: string;
  /** Fashion-MNIST directory (default: the usual places). */
  data?: string;
  /** The first `queries` test images (10,000 for the protocol). */
  queries: number;
  /** The first `base` training images (60,000 for the protocol). */
  base: number;
  /** PCA dimensions (default: the model's d). */
  pcaD?: number;
  /** Draw progress bars (a terminal). */
  progress: boolean;
  /** One line per step. */
  log: (line: string) => void;
}

const CLASSES = FASHION_MNIST_CLASS_NAMES.length;

/** The folder of the fp32 model, or why its row is skipped. */
export type Fp32Location = { dir: string } | { skipped: string };

/** Where the fp32 model is, or why its row is skipped; throws if `--fp32-model` lacks it. */
export function locateFp32(o: FashionMnistEvalOptions, manifest: ModelManifest): Fp32Location {
  const dir = o.fp32Model ?? o.model;
  const path = join(dir, manifest.files.fp32.path);
  if (existsSync(path)) return { dir };
  if (o.fp32Model !== undefined) {
    throw new Error(`--fp32-model ${o.fp32Model}: no ${manifest.files.fp32.path} there`);
  }
  return {
    skipped:
      `fp32 row skipped: ${o.model} holds no ${manifest.files.fp32.path} (the export writes ` +
      'it, the repository commits only the int8 file); pass --fp32-model DIR to add the row.',
  };
}

/** Runs the evaluation; see the module comment. */
export async function evalFashionMnist(o: FashionMnistEvalOptions): Promise<EvalReport> {
  const { manifest } = readModelDir(o.model, 'int8');
  const fp32 = locateFp32(o, manifest);
  const dir = locateFashionMnist(o.data);
  const backend = await initBackend('wasm');
  const data: EvalData = {
    catalog: loadImages(dir, 'train', { limit: o.base }),
    queries: loadImages(dir, 'test', { limit: o.queries }),
    catalogLabels: loadLabels(dir, 'train', { limit: o.base }),
    queryLabels: loadLabels(dir, 'test', { limit: o.queries }),
  };
  const { queries, catalog, queryLabels, catalogLabels } = data;
  o.log(
    `eval: ${queries.count} queries, ${catalog.count} catalog images, backend ${backend.name}, ` +
      `model ${manifest.files.int8.sha256.slice(0, 12)}`,
  );
  const notes: string[] = [];
  const { rows, int8 } = await exactRows(o, manifest, fp32, data, notes);
  const exactInt8 = rows[rows.length - 1];
  const sweep = await indexRows(o, int8, exactInt8, rows, queryLabels, catalogLabels, notes);
  const figures = rows.map((r) => rowFigures(r, queryLabels, catalogLabels, CLASSES));
  for (const f of figures) o.log(`eval: ${JSON.stringify({ ...f, curve: undefined })}`);
  return {
    catalog: 'fashion-mnist',
    protocol: protocolText(queries.count, catalog.count),
    queries: queries.count,
    catalogSize: catalog.count,
    model: {
      dir: o.model,
      int8Sha256: manifest.files.int8.sha256,
      fp32Sha256: 'skipped' in fp32 ? undefined : manifest.files.fp32.sha256,
    },
    rows: figures,
    perCategory: perCategory(rows, figures, queryLabels, catalogLabels),
    sweep,
    notes,
    complete:
      queries.count === FASHION_MNIST_COUNTS.test && catalog.count === FASHION_MNIST_COUNTS.train,
  };
}

/** Images and labels of the queries (test split) and the catalog (training split). */
interface EvalData {
  queries: ImageSet;
  catalog: ImageSet;
  queryLabels: Uint8Array;
  catalogLabels: Uint8Array;
}

/** The exact rows, the int8 embedding's last; returns them with the int8 vectors. */
async function exactRows(
  o: FashionMnistEvalOptions,
  manifest: ModelManifest,
  fp32: Fp32Location,
  { queries, catalog }: EvalData,
  notes: string[],
): Promise<{ rows: Row[]; int8: VectorPair }> {
  const rows: Row[] = [];
  const exact = (spec: ExactSpec, v: VectorPair) => {
    const { row, agreement } = exactRow(spec, v);
    o.log(`eval: ${row.name}: ${row.msPerQuery.toFixed(3)} ms/query, agreement ${agreement}`);
    if (agreement < 1) {
      notes.push(
        `${row.name}: the timed brute force and the batched product agreed on ` +
          `${(100 * agreement).toFixed(1)}% of the top ${RECALL_K} (float rounding at ties).`,
      );
    }
    rows.push(row);
  };
  const D = catalog.height * catalog.width * catalog.channels;
  const pixels = { queries: queries.pixels, catalog: catalog.pixels, d: D };
  exact({ name: 'raw pixels', representation: `${D} pixels`, metric: 'l2' }, pixels);
  const pcaD = o.pcaD ?? manifest.d;
  const pca = fitPca(catalog.pixels, D, pcaD);
  const pcaPair = {
    queries: projectPca(pca, queries.pixels),
    catalog: projectPca(pca, catalog.pixels),
    d: pcaD,
  };
  exact({ name: `PCA-${pcaD} of pixels`, representation: 'PCA', metric: 'l2' }, pcaPair);
  if ('skipped' in fp32) {
    o.log(`eval: ${fp32.skipped}`);
    notes.push(fp32.skipped);
  } else {
    const v = await embedBoth(o, 'fp32', fp32.dir, queries, catalog);
    exact(
      { name: 'fp32 ONNX embedding', representation: 'encoder.fp32.onnx', metric: 'cosine' },
      v,
    );
  }
  const int8 = await embedBoth(o, 'int8', o.model, queries, catalog);
  exact(
    { name: 'int8 ONNX embedding', representation: 'encoder.int8.onnx', metric: 'cosine' },
    int8,
  );
  return { rows, int8 };
}

/** The served index's row, then (on a large enough catalog) the sweep with an exact point. */
async function indexRows(
  o: FashionMnistEvalOptions,
  int8: VectorPair,
  exactInt8: Row,
  rows: Row[],
  queryLabels: Uint8Array,
  catalogLabels: Uint8Array,
  notes: string[],
): Promise<SweepPoint[]> {
  const count = int8.catalog.length / int8.d;
  const ids = Array.from({ length: count }, (_, i) => `${i}`);
  const kernel = createWasmKernel(await loadScanModule());
  const options = indexOptionsFor(count);
  o.log(`eval: building the served index ${JSON.stringify(options)}`);
  const served = buildIndex(int8.catalog, ids, { ...options, kernel });
  const name = `int8 ONNX embedding, ${describeIndex(served.header)}`;
  const spec = { name, representation: 'encoder.int8.onnx', metric: 'cosine' as const };
  rows.push(
    indexRow({ ...spec, search: 'served index' }, served, int8.queries, exactInt8.neighbours),
  );
  if (count < SWEEP_MIN_CATALOG) {
    notes.push(`Index sweep skipped: it needs a catalog of ${SWEEP_MIN_CATALOG} items or more.`);
    return [];
  }
  const log = o.log;
  const ctx = { served, options, kernel, catalog: int8.catalog, queries: int8.queries, log };
  const points = runSweep({ ...ctx, exact: exactInt8.neighbours, queryLabels, catalogLabels });
  const exactFigures = rowFigures(exactInt8, queryLabels, catalogLabels, CLASSES);
  points.push({
    name: 'exact (brute force)',
    family: 'exact',
    bytesPerItem: exactInt8.bytesPerItem,
    served: false,
    recall: { recall1: 1, recall10: 1, overlap10: 1 },
    precisionAt10: exactFigures.precisionAt10,
    msPerQuery: timeBruteForce(int8, 'cosine', RECALL_K).msPerQuery,
    buildSeconds: 0,
  });
  return points;
}

/** Embeddings of queries and catalog by one variant of the model. */
async function embedBoth(
  o: FashionMnistEvalOptions,
  variant: ModelVariant,
  fp32Dir: string,
  queries: ImageSet,
  catalog: ImageSet,
): Promise<VectorPair> {
  const { manifest, bytes } = readModelDir(o.model, variant, fp32Dir);
  const encoder = await loadModel(initNodeRuntime(), manifest, bytes, variant);
  const invert = manifest.preprocess.invert;
  const pair = {
    queries: await embedSet(encoder, queries, invert, `${variant} queries`, o),
    catalog: await embedSet(encoder, catalog, invert, `${variant} catalog`, o),
    d: encoder.d,
  };
  await encoder.release();
  return pair;
}

/**
 * Embeds a set as the catalog builder feeds the model Fashion-MNIST (trainer/catalog/
 * fashion-mnist.ts): the stored pixels, or 1 − pixel for a model whose preprocessing does not
 * invert. Float32Array, size count·d, row-major.
 */
async function embedSet(
  encoder: Awaited<ReturnType<typeof loadModel>>,
  set: ImageSet,
  invert: boolean,
  label: string,
  o: FashionMnistEvalOptions,
): Promise<Float32Array> {
  const size = set.height * set.width * set.channels;
  const out = new Float32Array(set.count * encoder.d);
  const bar = new SingleBar(
    { format: `embed ${label} [{bar}] {value}/{total}` },
    Presets.shades_classic,
  );
  if (o.progress) bar.start(set.count, 0);
  const started = performance.now();
  for (let at = 0; at < set.count; at += EMBED_BATCH) {
    const n = Math.min(EMBED_BATCH, set.count - at);
    const input = set.pixels.slice(at * size, (at + n) * size);
    if (!invert) for (let p = 0; p < input.length; p++) input[p] = 1 - input[p];
    out.set(await encoder.embed(input, n), at * encoder.d);
    if (o.progress) bar.update(at + n);
  }
  if (o.progress) bar.stop();
  const seconds = (performance.now() - started) / 1000;
  o.log(`eval: embedded ${set.count} (${label}) in ${seconds.toFixed(1)} s`);
  return out;
}

/** The best row by precision@10, per query category, beside the raw-pixel row. */
function perCategory(
  rows: Row[],
  figures: RowFigures[],
  queryLabels: Uint8Array,
  catalogLabels: Uint8Array,
): EvalReport['perCategory'] {
  const best = figures.reduce((b, f, i) => (f.precisionAt10 > figures[b].precisionAt10 ? i : b), 0);
  const per = (row: Row) =>
    categoryPrecision(row.neighbours, LIST_LENGTH, queryLabels, catalogLabels, RECALL_K, CLASSES);
  const mine = per(rows[best]);
  const reference = per(rows[0]);
  const categories: CategoryFigures[] = mine.map((c) => ({
    category: FASHION_MNIST_CLASS_NAMES[c.category],
    queries: c.queries,
    precision: c.precision,
    reference: reference[c.category].precision,
    confusedWith: c.confusedWith >= 0 ? FASHION_MNIST_CLASS_NAMES[c.confusedWith] : '',
    confusedShare: c.confusedShare,
  }));
  return { row: rows[best].name, reference: rows[0].name, categories };
}

function protocolText(queries: number, catalog: number): string[] {
  const counts = FASHION_MNIST_COUNTS;
  const part = (n: number, all: number) =>
    n === all ? `the ${all}` : `the first ${n} of the ${all}`;
  return [
    `Queries: ${part(queries, counts.test)} Fashion-MNIST test images; catalog: ` +
      `${part(catalog, counts.train)} training images. An answer is relevant when it has the ` +
      `query's category; labels are read by this evaluation only, never by training.`,
  ];
}
