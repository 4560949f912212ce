/**
 * `npm run eval:attempts -- DIR [DIR ...]`: neighbour quality of trained TensorFlow.js models
 * (training directories, before export), side by side, for the record of what was tried to
 * raise it (issue 7). Same protocol as `npm run eval`: queries = the 10,000 Fashion-MNIST test
 * images, catalog = the 60,000 training images, relevant = same category (labels read here
 * only), fp32 embeddings from the encoder, exact cosine search. Each row names the training
 * settings from the directory's manifest.json; with --write (the default) the table becomes the
 * `attempts` section of BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../trainer/backend.ts';
import { loadEncoder } from '../trainer/checkpoint.ts';
import { loadImages, locateFashionMnist } from '../trainer/data/fashion-mnist.ts';
import { loadLabels } from '../trainer/data/labels.ts';
import type { TrainingManifest } from '../trainer/train-run.ts';
import { embedImages, fitWhitening } from '../trainer/whiten.ts';
import { writeSection } from './bench/_report.ts';
import { exactKnn } from './eval/knn.ts';
import {
  knnAccuracy,
  labelCounts,
  meanAveragePrecision,
  precisionAtK,
  relevance,
} from './eval/metrics.ts';

/** Answers judged per query (mAP@100). */
const K = 100;

const program = new Command('eval:attempts')
  .description('Neighbour quality of trained models (TF.js directories), side by side')
  .argument('<dirs...>', 'training output directories (manifest.json, encoder/)')
  .option('--data <dir>', 'Fashion-MNIST directory (default: the usual places)')
  .option(
    '--whiten <alphas>',
    'also score each model with a whitening of these exponents fitted on the catalog, as ' +
      '`npm run train -- --whiten` does (comma-separated, e.g. 0.5)',
    (v: string) =>
      v.split(',').map((a) => {
        const n = Number(a);
        if (a.trim() === '' || !(n > 0 && n <= 1)) {
          throw new InvalidArgumentError(`--whiten ${v}: each exponent must be in (0, 1]`);
        }
        return n;
      }),
    [] as number[],
  )
  .option('--no-write', 'print the table without writing BENCHMARKS.md')
  .parse();
const opts = program.opts<{ data?: string; write: boolean; whiten: number[] }>();
const dirs = program.args;

/** The training settings of a run, in the words of `npm run train` options. */
function settings(m: TrainingManifest): string {
  const { objective: o, augment: a, model } = m.config;
  const term =
    o.invarianceWeight === 0
      ? 'reconstruction only'
      : o.contrastive === 'infonce'
        ? `InfoNCE w=${o.invarianceWeight} τ=${o.temperature ?? 0.2} group ${o.groupSize}`
        : `align+uniform w=${o.invarianceWeight} group ${o.groupSize}`;
  const views = [
    `shift ${a.maxShiftPx}`,
    `noise ${a.noiseStd}`,
    a.maxScale ? `scale ${a.maxScale}` : '',
    a.maxContrast ? `contrast ${a.maxContrast}` : '',
    a.maxErase ? `erase ${a.maxErase}` : '',
    a.flip ? 'flip' : '',
  ].filter(Boolean);
  const head = model.projectorHidden ? `, projector ${model.projectorHidden}` : '';
  const c = m.config;
  const steps = `batch ${c.batchSize}, lr ${c.learningRate} ×${c.learningRateDecay}/epoch`;
  return `${term}${head}; ${views.join(', ')}; filters ${model.filters.join(',')}; ${steps}`;
}

// Every run must be finished before any is scored (a run in progress may lack its whitening).
const manifests = new Map<string, TrainingManifest>();
for (const dir of dirs) {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as TrainingManifest;
  if (!m.complete) {
    console.error(
      `eval:attempts: ${dir} is a run still in progress or stopped (${m.history.length} of ` +
        `${m.config.epochs} epochs); finish it (npm run train -- --resume --out ${dir}) first`,
    );
    process.exit(1);
  }
  manifests.set(dir, m);
}

await initBackend('wasm');
const dataDir = locateFashionMnist(opts.data);
const catalog = loadImages(dataDir, 'train');
const queries = loadImages(dataDir, 'test');
const catalogLabels = loadLabels(dataDir, 'train');
const queryLabels = loadLabels(dataDir, 'test');
const counts = labelCounts(catalogLabels, 10);

/** x·T for rows of x (size n·d) and T (size d·d), row-major. */
function transform(x: Float32Array, t: Float32Array, d: number): Float32Array {
  return tf.tidy(() => {
    const n = x.length / d;
    return tf
      .tensor2d(x, [n, d])
      .matMul(tf.tensor2d(t, [d, d]))
      .dataSync() as Float32Array;
  });
}

/** One table row: the run's settings and the label metrics of its neighbours. */
function scoreRow(name: string, m: TrainingManifest, q: Float32Array, c: Float32Array): string {
  const d = q.length / queries.count;
  const found = exactKnn(q, c, d, K, 'cosine');
  const rel = relevance(found, K, queryLabels, catalogLabels);
  const last = m.history.at(-1)!;
  const speed = Math.min(...m.history.map((h) => h.imagesPerSecond));
  const cells = [
    name,
    settings(m),
    `${m.data.count} × ${m.history.length}`,
    `${(last.elapsedSeconds / 60).toFixed(1)} (≥ ${speed.toFixed(0)}/s)`,
    last.valLoss.toFixed(4),
    precisionAtK(rel, K, 10).toFixed(4),
    meanAveragePrecision(rel, K, queryLabels, counts).toFixed(4),
    knnAccuracy(found, K, queryLabels, catalogLabels, 5).toFixed(4),
  ];
  return `| ${cells.join(' | ')} |`;
}

const lines: string[] = [];
for (const dir of dirs) {
  const m = manifests.get(dir)!;
  const encoder = await loadEncoder(dir);
  const q = embedImages(encoder, queries);
  const c = embedImages(encoder, catalog);
  encoder.dispose();
  const name = dir.split('/').filter(Boolean).at(-1)!;
  const whitened = m.config.whiten ? ` (whitened α=${m.config.whiten} in training)` : '';
  const rows = [scoreRow(name + whitened, m, q, c)];
  for (const alpha of m.config.whiten ? [] : opts.whiten) {
    const t = fitWhitening(c, q.length / queries.count, alpha).transform;
    const d = q.length / queries.count;
    rows.push(scoreRow(`${name} + whiten α=${alpha}`, m, transform(q, t, d), transform(c, t, d)));
  }
  for (const line of rows) console.log(line);
  lines.push(...rows);
}

const table = [
  '| run | objective; views; encoder | images × epochs | min (images/s) | val loss ' +
    '| precision@10 | mAP@100 | 5-NN accuracy |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...lines,
].join('\n');
const text = [
  'fp32 embeddings of each trained encoder (before export), exact cosine search; queries: the ' +
    `${queries.count} test images, catalog: the ${catalog.count} training images (the ` +
    'protocol of `npm run eval`). val loss: reconstruction error (MSE per pixel) of clean ' +
    "held-out images. min: the run's wall time, on 2 cores shared with other jobs. " +
    '"+ whiten α": the same encoder with a whitening fitted on the catalog embeddings, as ' +
    '`npm run train -- --whiten α` fits it on the training images after the last epoch.',
  '',
  table,
].join('\n');
if (opts.write) {
  const whiten = opts.whiten.length > 0 ? `--whiten ${opts.whiten.join(',')} ` : '';
  const command = `npm run eval:attempts -- ${whiten}${dirs.join(' ')}`;
  writeSection('attempts', 'Attempts at neighbour quality (issue 7)', command, text);
}
