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
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../trainer/backend.ts';
import { loadEncoder } from '../trainer/checkpoint.ts';
import { loadImages, locateFashionMnist, type ImageSet } from '../trainer/data/fashion-mnist.ts';
import { loadLabels } from '../trainer/data/labels.ts';
import type { TrainConfig } from '../trainer/train.ts';
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
/** Images per forward pass. */
const EMBED_BATCH = 1000;

const program = new Command('eval:attempts')
  .description('Neighbour quality of trained models (TF.js directories), side by side')
  .argument('<dirs...>', 'training output directories (manifest.json, encoder/)')
  .option('--data <dir>', 'Fashion-MNIST directory (default: the usual places)')
  .option('--no-write', 'print the table without writing BENCHMARKS.md')
  .parse();
const opts = program.opts<{ data?: string; write: boolean }>();
const dirs = program.args;

/** fp32 embeddings of every image of `set`: Float32Array, size count·d, row-major. */
function embed(encoder: tf.LayersModel, set: ImageSet): Float32Array {
  const { height: h, width: w, channels: c } = set;
  const size = h * w * c;
  const d = (encoder.outputs[0].shape as number[])[1];
  const out = new Float32Array(set.count * d);
  for (let at = 0; at < set.count; at += EMBED_BATCH) {
    const n = Math.min(EMBED_BATCH, set.count - at);
    const y = tf.tidy(() => {
      const x = tf.tensor4d(set.pixels.subarray(at * size, (at + n) * size), [n, h, w, c]);
      return encoder.predict(x) as tf.Tensor;
    });
    out.set(y.dataSync() as Float32Array, at * d);
    y.dispose();
  }
  return out;
}

interface TrainingManifest {
  config: TrainConfig;
  data: { count: number };
  history: { imagesPerSecond: number; elapsedSeconds: number; valLoss: number }[];
}

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
  return `${term}${head}; ${views.join(', ')}; filters ${model.filters.join(',')}`;
}

await initBackend('wasm');
const dataDir = locateFashionMnist(opts.data);
const catalog = loadImages(dataDir, 'train');
const queries = loadImages(dataDir, 'test');
const catalogLabels = loadLabels(dataDir, 'train');
const queryLabels = loadLabels(dataDir, 'test');
const counts = labelCounts(catalogLabels, 10);

const lines: string[] = [];
for (const dir of dirs) {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as TrainingManifest;
  const encoder = await loadEncoder(dir);
  const d = (encoder.outputs[0].shape as number[])[1];
  const found = exactKnn(embed(encoder, queries), embed(encoder, catalog), d, K, 'cosine');
  encoder.dispose();
  const rel = relevance(found, K, queryLabels, catalogLabels);
  const last = m.history.at(-1)!;
  const speed = Math.min(...m.history.map((h) => h.imagesPerSecond));
  const cells = [
    dir.split('/').filter(Boolean).at(-1),
    settings(m),
    `${m.data.count} × ${m.history.length}`,
    `${(last.elapsedSeconds / 60).toFixed(1)} (≥ ${speed.toFixed(0)}/s)`,
    last.valLoss.toFixed(4),
    precisionAtK(rel, K, 10).toFixed(4),
    meanAveragePrecision(rel, K, queryLabels, counts).toFixed(4),
    knnAccuracy(found, K, queryLabels, catalogLabels, 5).toFixed(4),
  ];
  const line = `| ${cells.join(' | ')} |`;
  console.log(line);
  lines.push(line);
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
    "held-out images. min: the run's wall time, on 2 cores shared with other jobs.",
  '',
  table,
].join('\n');
if (opts.write) {
  const command = `npm run eval:attempts -- ${dirs.join(' ')}`;
  writeSection('attempts', 'Attempts at neighbour quality (issue 7)', command, text);
}
