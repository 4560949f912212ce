/**
 * `npm run eval:attempts -- DIR [DIR ...]`: neighbour quality of trained TensorFlow.js models
 * (training directories, before export), side by side, for the record of what was tried to
 * raise it (issue 7). Same protocol as `npm run eval`: queries = the 10,000 Fashion-MNIST test
 * images, catalog = the 60,000 training images, relevant = same category (labels read here
 * only), fp32 embeddings from the encoder, exact cosine search. Each row names the training
 * settings from the directory's manifest.json; with --write (the default) the table becomes the
 * `attempts` section of BENCHMARKS.md (or the --section named). With --whiten, each run is also
 * scored under other whitenings, fitted on its raw embedding (a whitening folded in training is
 * undone first), so that several can be compared on one trained encoder.
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
import {
  applyWhitening,
  DEFAULT_WHITEN_SHRINK,
  embedImages,
  fitWhitening,
  readFoldedWhitening,
  recordMean,
  type WhiteningRecord,
} from '../trainer/whiten.ts';
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

/** A parser for a comma-separated list of numbers in [min, max]. */
function numbers(flag: string, min: number, max: number, example: string) {
  return (v: string): number[] =>
    v.split(',').map((a) => {
      const n = Number(a);
      if (a.trim() === '' || !(n >= min && n <= max)) {
        throw new InvalidArgumentError(
          `${flag} ${v}: each value must be a number from ${min} to ${max}, e.g. ${example}`,
        );
      }
      return n;
    });
}

const program = new Command('eval:attempts')
  .description('Neighbour quality of trained models (TF.js directories), side by side')
  .argument('<dirs...>', 'training output directories (manifest.json, encoder/)')
  .option('--data <dir>', 'Fashion-MNIST directory (default: the usual places)')
  .option(
    '--whiten <alphas>',
    'also score each model with a whitening of these exponents fitted on the catalog, as ' +
      '`npm run train -- --whiten` does (comma-separated, e.g. 0.5,1)',
    numbers('--whiten', 0.01, 1, '0.5,1'),
    [] as number[],
  )
  .option(
    '--whiten-shrink <betas>',
    'the shrinkages β of those whitenings, each tried with each exponent (e.g. 0,1)',
    numbers('--whiten-shrink', 0, 100, '0,1'),
    [DEFAULT_WHITEN_SHRINK],
  )
  .option('--section <name>', 'the section of BENCHMARKS.md to write', 'attempts')
  .option('--no-write', 'print the table without writing BENCHMARKS.md')
  .parse();
const opts = program.opts<{
  data?: string;
  write: boolean;
  whiten: number[];
  whitenShrink: number[];
  section: string;
}>();
if (!/^[a-z0-9-]+$/.test(opts.section)) {
  console.error(`eval:attempts: --section ${opts.section}: must be lower-case letters, digits, -`);
  process.exit(1);
}
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
        `${m.config.epochs} epochs); finish it first: the command that started it, ` +
        `${JSON.stringify(m.command ?? 'npm run train')}, with --resume`,
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

/** y·T⁻¹ + μ for rows y of `x`: the raw embedding of an encoder with `w` folded in. */
function unwhiten(x: Float32Array, w: WhiteningRecord): Float32Array {
  return tf.tidy(() => {
    const raw = tf.tensor2d(x, [x.length / w.d, w.d]).matMul(tf.tensor2d(w.inverse, [w.d, w.d]));
    const mean = recordMean(w);
    return (mean ? raw.add(tf.tensor1d(mean)) : raw).dataSync() as Float32Array;
  });
}

/** How a run's whitening reads in its row name. */
function whiteningLabel(alpha: number, shrink: number | undefined, centred: boolean): string {
  return `α=${alpha}${shrink === undefined ? '' : ` β=${shrink}`}${centred ? '' : ', uncentred'}`;
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
  const record = readFoldedWhitening(dir, m.encoder.whitening);
  const whitened = record
    ? ` (whitened ${whiteningLabel(record.alpha, record.shrink, record.mean !== undefined)} ` +
      'in training)'
    : '';
  const rows = [scoreRow(name + whitened, m, q, c)];
  const [rawQ, rawC] = record ? [unwhiten(q, record), unwhiten(c, record)] : [q, c];
  const d = q.length / queries.count;
  for (const alpha of opts.whiten) {
    for (const shrink of opts.whitenShrink) {
      const w = fitWhitening(rawC, d, alpha, shrink);
      const label = `${name} + whiten ${whiteningLabel(alpha, shrink, true)}`;
      rows.push(scoreRow(label, m, applyWhitening(rawQ, w), applyWhitening(rawC, w)));
    }
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
    '"+ whiten α β": the same encoder with a centred whitening of exponent α and shrinkage β ' +
    'fitted on its raw catalog embeddings (any whitening folded in training undone first), as ' +
    '`npm run train -- --whiten α --whiten-shrink β` fits it on the training images after ' +
    'the last epoch.',
  '',
  table,
].join('\n');
if (opts.write) {
  const flags = [
    opts.whiten.length > 0 ? `--whiten ${opts.whiten.join(',')} ` : '',
    opts.whiten.length > 0 ? `--whiten-shrink ${opts.whitenShrink.join(',')} ` : '',
    opts.section === 'attempts' ? '' : `--section ${opts.section} `,
  ].join('');
  const command = `npm run eval:attempts -- ${flags}${dirs.join(' ')}`;
  const title = 'Attempts at neighbour quality (issue 7)';
  writeSection(
    opts.section,
    opts.section === 'attempts' ? title : `${title}: ${opts.section}`,
    command,
    text,
  );
}
