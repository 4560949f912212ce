/**
 * Export of a TensorFlow.js encoder to ONNX: the fp32 graph, then the static int8 QDQ graph
 * whose activation ranges come from calibration images, by the method (min/max, percentile or
 * entropy) whose int8 embeddings of other training images are closest to the fp32 ones.
 */
import type * as tf from '@tensorflow/tfjs';

import type { CalibrationRecord } from '../../core/model/manifest.ts';
import type { ModelRuntime } from '../../core/model/runtime.ts';
import { CALIBRATION_METHODS, calibrateRange, type CalibrationMethod } from './calibrate.ts';
import {
  emitCalibrationGraph,
  emitOnnx,
  OUTPUT_NAME,
  quantPoints,
  type QuantParams,
} from './emit.ts';
import { meanMin, recallAtK, rowCosines, topK } from './metrics.ts';
import { runOnnx } from './ort-run.ts';
import { planEncoder, type ExportPlan } from './plan.ts';
import { activationQuant } from './quantize.ts';

/** Minimum number of calibration images (issue 3). */
export const MIN_CALIBRATION_IMAGES = 512;

/** A batch of images: Float32Array, size n·c·h·w, NCHW row-major, values in the input range. */
export interface ImageBatch {
  images: Float32Array;
  n: number;
}

/** What `exportEncoder` produces. */
export interface ExportResult {
  plan: ExportPlan;
  fp32: Uint8Array;
  int8: Uint8Array;
  quant: QuantParams;
  calibration: CalibrationRecord;
}

/** Options of `exportEncoder`. */
export interface ExportOptions {
  runtime: ModelRuntime;
  /** images the activation ranges are computed from (at least MIN_CALIBRATION_IMAGES) */
  calibration: ImageBatch;
  /** other images the methods are compared on */
  validation: ImageBatch;
  /** closed range of the input values, [0, 1] for this project */
  inputRange: [number, number];
  /** methods to try (default: all) */
  methods?: readonly CalibrationMethod[];
  /** progress: a short phase name */
  onPhase?: (phase: string) => void;
  /** allow fewer than MIN_CALIBRATION_IMAGES (tests of small models only) */
  allowSmallCalibration?: boolean;
}

function chw(plan: ExportPlan): [number, number, number] {
  return [plan.c, plan.h, plan.w];
}

/** Float values of each quantization point over the calibration images, by point name. */
async function collectActivations(
  runtime: ModelRuntime,
  plan: ExportPlan,
  batch: ImageBatch,
): Promise<Map<string, Float32Array>> {
  const { bytes, taps } = emitCalibrationGraph(plan);
  const values = await runOnnx(runtime, bytes, batch.images, batch.n, chw(plan), taps);
  return new Map(quantPoints(plan).map((p, i) => [p, values[i]]));
}

/**
 * Quantization parameters of the int8 graph for one calibration method: the input range is
 * fixed by the manifest, the other points are calibrated.
 */
export function quantParamsFor(
  activations: Map<string, Float32Array>,
  method: CalibrationMethod,
  inputRange: [number, number],
): QuantParams {
  const points: QuantParams['points'] = {};
  for (const [name, values] of activations) {
    const [lo, hi] = calibrateRange(values, method);
    points[name] = activationQuant(lo, hi);
  }
  return { input: activationQuant(inputRange[0], inputRange[1]), points };
}

/**
 * Converts `model` to fp32 and int8 ONNX. Tries each calibration method, measures the cosine
 * of its int8 embeddings to the fp32 ones over `validation`, and keeps the best by mean cosine
 * (ties: by minimum cosine, then by the order of CALIBRATION_METHODS). Mean cosine, not
 * recall@10, decides: on a few hundred validation images recall moves in steps and ties often;
 * recall@10 is recorded beside it.
 */
export async function exportEncoder(
  model: tf.LayersModel,
  options: ExportOptions,
): Promise<ExportResult> {
  const { runtime, calibration, validation } = options;
  if (calibration.n < MIN_CALIBRATION_IMAGES && !options.allowSmallCalibration) {
    throw new Error(
      `calibration has ${calibration.n} images; static quantization needs at least ` +
        `${MIN_CALIBRATION_IMAGES}`,
    );
  }
  const plan = planEncoder(model);
  const fp32 = emitOnnx(plan);
  options.onPhase?.('calibrate');
  const activations = await collectActivations(runtime, plan, calibration);
  const [reference] = await runOnnx(runtime, fp32, validation.images, validation.n, chw(plan), [
    OUTPUT_NAME,
  ]);
  const referenceTop = topK(reference, plan.d, Math.min(10, validation.n - 1));
  let best: { method: CalibrationMethod; int8: Uint8Array; quant: QuantParams } | undefined;
  let bestScore = { mean: -Infinity, min: -Infinity };
  const candidates: CalibrationRecord['candidates'] = {};
  for (const method of options.methods ?? CALIBRATION_METHODS) {
    options.onPhase?.(`quantize (${method})`);
    const quant = quantParamsFor(activations, method, options.inputRange);
    const int8 = emitOnnx(plan, quant);
    const [embedded] = await runOnnx(runtime, int8, validation.images, validation.n, chw(plan), [
      OUTPUT_NAME,
    ]);
    const score = meanMin(rowCosines(reference, embedded, plan.d));
    const k = Math.min(10, validation.n - 1);
    const recallAt10 = recallAtK(referenceTop, topK(embedded, plan.d, k), k);
    candidates[method] = { meanCosine: score.mean, minCosine: score.min, recallAt10 };
    const better =
      score.mean > bestScore.mean || (score.mean === bestScore.mean && score.min > bestScore.min);
    if (better) [best, bestScore] = [{ method, int8, quant }, score];
  }
  if (!best) throw new Error('no calibration method was tried; pass at least one');
  return {
    plan,
    fp32,
    int8: best.int8,
    quant: best.quant,
    calibration: {
      method: best.method,
      images: calibration.n,
      validationImages: validation.n,
      candidates,
    },
  };
}
