/**
 * One export as `npm run export` performs it: the trained encoder and its training manifest
 * from `--model DIR`, calibration and validation images drawn (seeded) from the images it was
 * trained on (the Fashion-MNIST training split, or the catalog folder and split its manifest
 * names), `exportEncoder`, the model directory written, then both files loaded back through the
 * shared loader and the fp32 file compared with TensorFlow.js on held-apart images.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';

import { loadModel } from '../../core/model/loader.ts';
import type { ModelManifest, PreprocessSpec } from '../../core/model/manifest.ts';
import type { ModelRuntime } from '../../core/model/runtime.ts';
import { loadEncoder } from '../checkpoint.ts';
import { loadImages, locateFashionMnist } from '../data/fashion-mnist.ts';
import { loadFolderImages } from '../data/folder-images.ts';
import { exportEncoder, MIN_CALIBRATION_IMAGES, type ExportResult } from './export.ts';
import { buildManifest, FASHION_MNIST_PREPROCESS, writeModelDir } from './model-dir.ts';
import { initNodeRuntime } from './ort-node.ts';

/** Input value range of every model of this project (pixel / 255). */
export const INPUT_RANGE: [number, number] = [0, 1];
/** Test images of the fp32-against-TensorFlow.js check at the end of an export. */
export const PARITY_IMAGES = 64;
/** Bound of that check (issue 3: max abs difference of embeddings). */
export const PARITY_MAX_ABS_DIFF = 1e-4;

/** Options of `runExport` (the CLI's flags). */
export interface ExportRunOptions {
  model: string;
  out: string;
  /** directory of encoder.fp32.onnx (default `out`) */
  fp32Out?: string;
  data?: string;
  calibration: number;
  validation: number;
  seed: number;
}

/** `count` distinct indices of [0, total), drawn with a seeded generator (mulberry32). */
export function sampleIndices(total: number, count: number, seed: number): Int32Array {
  if (count > total) throw new Error(`cannot draw ${count} distinct images from ${total}`);
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const order = Int32Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(next() * (total - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count);
}

function gather(pixels: Float32Array, size: number, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * size);
  indices.forEach((idx, i) => out.set(pixels.subarray(idx * size, (idx + 1) * size), i * size));
  return out;
}

function readTrainingManifest(dir: string): Record<string, unknown> {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path))
    throw new Error(`--model ${dir}: no manifest.json (is it a trained model?)`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** The training manifest minus its per-epoch history, and its directory (relative to cwd). */
function provenanceOf(dir: string, training: Record<string, unknown>): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(training).filter(([k]) => k !== 'history'));
  return { modelDir: relative(process.cwd(), resolve(dir)), training: rest };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

/** TensorFlow.js embeddings, L2-normalised as the graph does: x / sqrt(max(Σx², 1e-12)). */
function tfjsEmbed(model: tf.LayersModel, nhwc: Float32Array, n: number, hwc: number[]) {
  return tf.tidy(() => {
    const y = model.predict(tf.tensor4d(nhwc, [n, hwc[0], hwc[1], hwc[2]])) as tf.Tensor2D;
    return y.div(y.square().sum(1, true).maximum(1e-12).sqrt()).dataSync() as Float32Array;
  });
}

/** NHWC images, size count·h·w·c, as NCHW (the ONNX layout); the same bytes when c = 1. */
export function toNchw(nhwc: Float32Array, count: number, hwc: number[]): Float32Array {
  const [h, w, c] = hwc;
  if (c === 1) return nhwc;
  const out = new Float32Array(nhwc.length);
  const plane = h * w;
  for (let n = 0; n < count; n++) {
    const at = n * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[at + k * plane + p] = nhwc[at + p * c + k];
    }
  }
  return out;
}

/** Images an export is calibrated and checked on, NHWC, with where they came from. */
interface ExportImages {
  /** Float32Array, size count·h·w·c, NHWC, values in [0, 1]. */
  pixels: Float32Array;
  count: number;
  hwc: number[];
  file: string;
  sha256: string;
  /** Images apart from the training set for the parity check (NHWC), or undefined. */
  parity?: { pixels: Float32Array; count: number };
}

/**
 * The images the encoder was trained on: the catalog folder its training manifest names, read
 * at the encoder's input size, or the Fashion-MNIST training split (parity: its test split).
 */
async function trainingImages(
  options: ExportRunOptions,
  training: Record<string, unknown>,
  hwc: number[],
): Promise<ExportImages> {
  const data = (training.data ?? {}) as { catalog?: string; file?: string; split?: string[] };
  if (data.catalog !== undefined && data.file !== undefined) {
    if (hwc[0] !== hwc[1] || hwc[2] !== 3) {
      throw new Error(`the encoder's input is ${hwc.join('×')}; a catalog model takes N×N×3`);
    }
    const set = await loadFolderImages(data.catalog, data.file, {
      split: data.split ?? undefined,
      size: hwc[0],
    });
    return { pixels: set.pixels, count: set.count, hwc, file: set.file, sha256: set.sha256 };
  }
  if (hwc.join() !== '28,28,1') {
    throw new Error(
      `the encoder's input is ${hwc.join('×')}; its training manifest names no catalog folder, ` +
        'and Fashion-MNIST images are 28×28×1',
    );
  }
  const dataDir = locateFashionMnist(options.data);
  const train = loadImages(dataDir, 'train');
  const test = loadImages(dataDir, 'test', { limit: PARITY_IMAGES });
  return { ...train, hwc, parity: test };
}

/** Seeded calibration and validation samples of the training images, NCHW. */
function sampleTraining(options: ExportRunOptions, set: ExportImages) {
  if (options.calibration < MIN_CALIBRATION_IMAGES) {
    throw new Error(`--calibration ${options.calibration}: at least ${MIN_CALIBRATION_IMAGES}`);
  }
  const size = set.hwc[0] * set.hwc[1] * set.hwc[2];
  const wanted = options.calibration + options.validation;
  if (wanted > set.count) {
    throw new Error(
      `--calibration ${options.calibration} + --validation ${options.validation} images ` +
        `exceed the ${set.count} training images; lower them`,
    );
  }
  const picked = sampleIndices(set.count, wanted, options.seed);
  const batch = (indices: Int32Array) => ({
    images: toNchw(gather(set.pixels, size, indices), indices.length, set.hwc),
    n: indices.length,
  });
  return {
    calibration: batch(picked.subarray(0, options.calibration)),
    validation: batch(picked.subarray(options.calibration)),
  };
}

/**
 * Loads both written files through the shared loader and compares the fp32 one with
 * TensorFlow.js on PARITY_IMAGES images (Fashion-MNIST's test images, or the first training
 * images of a catalog); throws above PARITY_MAX_ABS_DIFF.
 */
async function checkWritten(
  runtime: ModelRuntime,
  model: tf.LayersModel,
  manifest: ModelManifest,
  result: ExportResult,
  set: ExportImages,
): Promise<number> {
  const size = set.hwc[0] * set.hwc[1] * set.hwc[2];
  const count = Math.min(PARITY_IMAGES, set.parity?.count ?? set.count);
  const pixels = (set.parity?.pixels ?? set.pixels).subarray(0, count * size);
  const fp32 = await loadModel(runtime, manifest, result.fp32, 'fp32');
  const int8 = await loadModel(runtime, manifest, result.int8, 'int8');
  const reference = tfjsEmbed(model, pixels, count, set.hwc);
  const diff = maxAbsDiff(await fp32.embed(toNchw(pixels, count, set.hwc), count), reference);
  await Promise.all([fp32.release(), int8.release()]);
  if (!(diff <= PARITY_MAX_ABS_DIFF)) {
    throw new Error(
      `fp32 ONNX differs from TensorFlow.js by ${diff}; the bound is ${PARITY_MAX_ABS_DIFF}`,
    );
  }
  return diff;
}

/**
 * Runs the export; `report` gets one line per phase and result. Returns the model manifest.
 * The caller starts a TensorFlow.js backend first.
 */
export async function runExport(
  options: ExportRunOptions,
  report: (line: string) => void,
): Promise<ModelManifest> {
  const training = readTrainingManifest(options.model);
  if (training.complete === false) {
    report(`warning: ${options.model} is not a finished training run`);
  }
  const model = await loadEncoder(options.model);
  const [, h, w, c] = model.inputs[0].shape as number[];
  const set = await trainingImages(options, training, [h, w, c]);
  report(`calibration images: ${set.count} from ${set.file} (sha256 ${set.sha256.slice(0, 12)}…)`);
  const { calibration, validation } = sampleTraining(options, set);
  const runtime = initNodeRuntime();
  const result = await exportEncoder(model, {
    runtime,
    calibration,
    validation,
    inputRange: INPUT_RANGE,
    onPhase: (phase) => report(`export: ${phase}`),
  });
  const preprocess =
    (training.preprocess as PreprocessSpec | undefined) ?? FASHION_MNIST_PREPROCESS;
  const provenance = {
    ...provenanceOf(options.model, training),
    calibrationData: { file: set.file, sha256: set.sha256, seed: options.seed },
  };
  const manifest = await buildManifest(result, { preprocess, inputRange: INPUT_RANGE, provenance });
  writeModelDir(options.out, manifest, result, options.fp32Out);
  for (const [method, s] of Object.entries(manifest.quantization.calibration.candidates)) {
    report(
      `calibration ${method}: mean cosine ${s.meanCosine.toFixed(6)}, ` +
        `min ${s.minCosine.toFixed(6)}, recall@10 ${s.recallAt10?.toFixed(4)}`,
    );
  }
  report(`chosen: ${manifest.quantization.calibration.method}`);
  const diff = await checkWritten(runtime, model, manifest, result, set);
  const which = set.parity ? 'test' : 'training';
  report(
    `fp32 vs TensorFlow.js on ${PARITY_IMAGES} ${which} images: max abs diff ` +
      diff.toExponential(2),
  );
  const { int8: i8, fp32: f32 } = manifest.files;
  report(
    `wrote ${options.out}: ${i8.path} ${i8.bytes} bytes, ${f32.path} ${f32.bytes} bytes ` +
      `(${((100 * i8.bytes) / f32.bytes).toFixed(1)}%), d=${manifest.d}, opset ${manifest.opset}`,
  );
  return manifest;
}
