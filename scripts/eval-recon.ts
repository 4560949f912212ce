/**
 * `npx tsx scripts/eval-recon.ts [--model DIR] [--data DIR]`: scores a trained model on the
 * 10,000 Fashion-MNIST test images and writes the `eval-recon` section of BENCHMARKS.md:
 *
 * - reconstruction error: mean squared error per pixel (pixels in [0, 1]) of encoder → L2
 *   normalisation → decoder, on clean test images;
 * - as a check of the embedding for similarity (evaluation code may read labels; training never
 *   does): precision@10 of cosine nearest neighbours among the test images (share of the 10
 *   nearest other images that have the query's class), against the same on raw pixels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../trainer/backend.ts';
import { loadEncoder, loadLayersModelFromDir } from '../trainer/checkpoint.ts';
import { loadImages, locateFashionMnist } from '../trainer/data/fashion-mnist.ts';
import { loadLabels } from '../trainer/data/labels.ts';
import { l2Normalize } from '../trainer/model.ts';
import { evaluateReconstruction } from '../trainer/train.ts';
import type { TrainingManifest } from '../trainer/train-run.ts';
import { foldIntoEncoder, readFoldedWhitening, recordMean } from '../trainer/whiten.ts';
import { writeSection } from './bench/_report.ts';

/** Neighbours per query for precision@k. */
const K = 10;

/** Precision@K of cosine neighbours of the rows of `vectors` `[N, d]` (self excluded). */
function precisionAtK(vectors: tf.Tensor2D, labels: Uint8Array): number {
  const unit = l2Normalize(vectors);
  const n = unit.shape[0];
  let hits = 0;
  for (let start = 0; start < n; start += 500) {
    const rows = Math.min(500, n - start);
    const indices = tf.tidy(() => {
      const sims = unit.slice([start, 0], [rows, -1]).matMul(unit, false, true);
      return tf.topk(sims, K + 1).indices.dataSync() as Int32Array;
    });
    for (let r = 0; r < rows; r++) {
      const query = start + r;
      let taken = 0;
      for (let j = 0; j <= K && taken < K; j++) {
        const other = indices[r * (K + 1) + j];
        if (other === query) continue;
        taken++;
        if (labels[other] === labels[query]) hits++;
      }
    }
  }
  unit.dispose();
  return hits / (n * K);
}

/** One paragraph on how the model was trained, from its `manifest.json` (`m`, if there is one). */
function describeTraining(modelDir: string, m: TrainingManifest | undefined): string {
  const path = join(modelDir, 'manifest.json');
  if (m === undefined) return `No training manifest at ${path}.`;
  const speeds = m.history.map((h) => h.imagesPerSecond);
  const last = m.history.at(-1)!;
  const held = Math.round(m.data.count * m.config.validationFraction);
  const command =
    m.command ??
    `npm run train -- --epochs ${m.config.epochs} --batch ${m.config.batchSize} ` +
      `--dim ${m.config.model.d} --seed ${m.seed} --out ${modelDir}`;
  return (
    `Trained by \`${command}\` (from ${path}): ${m.epochsCompleted} epochs of ` +
    `${m.data.count} images (${held} held out), ` +
    `batch ${m.config.batchSize}, seed ${m.seed}, ${m.config.workers ?? 1} thread(s), backend ` +
    `${m.backend.name}; ${(last.elapsedSeconds / 60).toFixed(1)} min in all, ` +
    `${Math.min(...speeds).toFixed(0)}–${Math.max(...speeds).toFixed(0)} images/s per epoch; ` +
    `final train loss ${last.trainLoss.toFixed(5)} (corrupted inputs), validation loss ` +
    `${last.valLoss.toFixed(5)}.`
  );
}

const opts = new Command('npx tsx scripts/eval-recon.ts')
  .option('--model <dir>', 'model directory of npm run train', 'artifacts/models/fmnist-d64')
  .option('--data <dir>', 'Fashion-MNIST directory')
  .parse()
  .opts<{ model: string; data?: string }>();

await initBackend('wasm');
const dataDir = locateFashionMnist(opts.data);
const images = loadImages(dataDir, 'test');
const labels = loadLabels(dataDir, 'test');
const encoder = await loadEncoder(opts.model);
const decoder = await loadLayersModelFromDir(join(opts.model, 'decoder'));
const [, height, width, channels] = encoder.inputs[0].shape as number[];

const pixels = tf.tensor2d(images.pixels, [images.count, height * width * channels]);
const embeddings = tf.tidy(() => {
  const x = pixels.reshape([images.count, height, width, channels]);
  return encoder.predict(x, { batchSize: 500 }) as tf.Tensor2D;
});
// The decoder was trained on the raw embedding: undo a whitening folded into the encoder.
const manifestPath = join(opts.model, 'manifest.json');
const manifest = existsSync(manifestPath)
  ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as TrainingManifest)
  : undefined;
const whitening = readFoldedWhitening(opts.model, manifest?.encoder.whitening);
if (whitening)
  foldIntoEncoder(encoder, Float32Array.from(whitening.inverse), recordMean(whitening));
const config = { height, width, channels, d: 0, filters: [], decoderHidden: 0 };
const mse = evaluateReconstruction({ config, encoder, decoder }, images);
const pEmbed = precisionAtK(embeddings, labels);
const pRaw = precisionAtK(pixels, labels);
const d = embeddings.shape[1];

const training = describeTraining(opts.model, manifest);
const markdown = [
  `Model: \`${opts.model}\` (d=${d}), on the ${images.count} test images ` +
    `(t10k-images-idx3-ubyte.gz, sha256 ${images.sha256.slice(0, 12)}…), wasm backend.`,
  '',
  '| figure | value |',
  '| --- | ---: |',
  `| reconstruction error (MSE per pixel, pixels in [0, 1]) | **${mse.toFixed(5)}** |`,
  `| reconstruction RMSE, in grey levels of 255 | ${(Math.sqrt(mse) * 255).toFixed(1)} |`,
  `| precision@${K}, cosine on the d=${d} embedding | ${pEmbed.toFixed(3)} |`,
  `| precision@${K}, cosine on raw pixels (784-d, reference) | ${pRaw.toFixed(3)} |`,
  '',
  "Precision@10 uses the test labels (evaluation only): the share of each image's 10 nearest " +
    'other test images that belong to its class.',
  '',
  training,
].join('\n');
const command = `npx tsx scripts/eval-recon.ts --model ${opts.model}`;
writeSection('eval-recon', 'Test-set reconstruction of the trained model', command, markdown);
console.log(markdown);
