import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { calibrateRange, entropyThresholdBins } from '../../trainer/export/calibrate.ts';
import { exportEncoder, type ExportResult } from '../../trainer/export/export.ts';
import { meanMin, recallAtK, rowCosines, topK } from '../../trainer/export/metrics.ts';
import { decodeModel, ONNX_DTYPE } from '../../trainer/export/onnx-proto.ts';
import { initNodeRuntime } from '../../trainer/export/ort-node.ts';
import { runOnnx } from '../../trainer/export/ort-run.ts';
import {
  activationQuant,
  fakeQuant,
  quantizeBias,
  quantizeWeights,
  roundHalfEven,
} from '../../trainer/export/quantize.ts';
import { fashionMnist, onnxCheck, smallEncoder } from './export-fixtures.ts';

/** A deterministic pseudo-random sequence in [-1, 1) (LCG, seed fixed). */
function noise(n: number, seed = 12345): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

describe('quantization arithmetic', () => {
  it('rounds half to even, as ONNX QuantizeLinear', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, -2, -2, 2, -3,
    ]);
  });

  it('quantizes weights per channel, symmetric, each channel reaching ±127', () => {
    // odd shape: [5, 3, 3, 2] with channel axis 0 (Conv) and [7, 5] with axis 1 (Gemm)
    for (const [dims, axis] of [
      [[5, 3, 3, 2], 0],
      [[7, 5], 1],
    ] as const) {
      const w = noise(dims.reduce((a, b) => a * b, 1));
      const { q, scales } = quantizeWeights(w, [...dims], axis);
      const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
      const channel = (i: number) => Math.floor(i / inner) % dims[axis];
      const maxQ = new Array(dims[axis]).fill(0);
      w.forEach((v, i) => {
        const c = channel(i);
        // naive reference: round(w / (max|w_c| / 127)) differs from q by rounding only
        expect(Math.abs(v - q[i] * scales[c])).toBeLessThanOrEqual(scales[c] / 2 + 1e-7);
        maxQ[c] = Math.max(maxQ[c], Math.abs(q[i]));
      });
      expect(maxQ).toEqual(new Array(dims[axis]).fill(127));
    }
  });

  it('quantizes biases to int32 with scale inputScale · weightScale', () => {
    const { q, scales } = quantizeBias(
      Float32Array.of(0.5, -0.25, 0),
      0.01,
      Float32Array.of(0.1, 0.2, 0.3),
    );
    expect([...scales].map((s) => +s.toFixed(6))).toEqual([0.001, 0.002, 0.003]);
    expect([...q]).toEqual([500, -125, 0]);
  });

  it('puts zero exactly on the uint8 grid, and a ReLU range at zero point 0', () => {
    expect(activationQuant(0, 2.55)).toEqual({ scale: Math.fround(0.01), zeroPoint: 0 });
    const signed = activationQuant(-1, 3);
    expect(fakeQuant(0, signed)).toBe(0);
    expect(activationQuant(0.5, 2).zeroPoint).toBe(0); // range widened down to 0
  });
});

describe('calibration', () => {
  // exponential distribution (quantiles of Exp(1), max 7.6) and one outlier at 50
  const values = Float32Array.from(
    { length: 100_000 },
    (_, i) => -Math.log(1 - ((i % 1000) + 0.5) / 1000),
  );
  values[17] = 50;

  it('minmax keeps the outlier, percentile and entropy clip it', () => {
    expect(calibrateRange(values, 'minmax')).toEqual([values[0], 50]);
    const percentile = calibrateRange(values, 'percentile')[1];
    expect(percentile).toBeGreaterThan(6);
    expect(percentile).toBeLessThan(8);
    expect(calibrateRange(values, 'entropy')[1]).toBeLessThan(10);
  });

  it('entropy keeps the whole range of a uniform histogram without a tail', () => {
    const h = new Float64Array(2048).fill(1);
    expect(entropyThresholdBins(h, 255)).toBe(2048);
  });
});

describe('int8 QDQ export of a small encoder (16 and 32 filters, d = 64)', () => {
  let result: ExportResult;
  const runtime = initNodeRuntime();
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const train = fashionMnist('train', 1024);
    result = await exportEncoder(smallEncoder({ filters: [16, 32], d: 64 }), {
      runtime,
      calibration: { images: train.subarray(0, 512 * 784), n: 512 },
      validation: { images: train.subarray(512 * 784), n: 512 },
      inputRange: [0, 1],
    });
  });

  it('passes the ONNX checker (python3-onnx, full_check) for both files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-int8-'));
    writeFileSync(join(dir, 'fp32.onnx'), result.fp32);
    writeFileSync(join(dir, 'int8.onnx'), result.int8);
    const checked = onnxCheck([join(dir, 'fp32.onnx'), join(dir, 'int8.onnx')]);
    expect(checked.map((r) => r.error ?? 'ok')).toEqual(['ok', 'ok']);
  });

  it('stores int8 weights, int32 biases, uint8 activations and no float weights', () => {
    const { graph } = decodeModel(result.int8);
    const byType = (t: number) =>
      graph.initializer.filter((i) => i.dataType === t).map((i) => i.name);
    expect(byType(ONNX_DTYPE.int8).filter((n) => n.endsWith('_weight_q'))).toHaveLength(3);
    expect(byType(ONNX_DTYPE.int32).filter((n) => n.endsWith('_bias_q'))).toHaveLength(3);
    const floats = graph.initializer.filter((i) => i.dataType === ONNX_DTYPE.float32);
    expect(Math.max(...floats.map((i) => i.dims.reduce((a, b) => a * b, 1)))).toBeLessThanOrEqual(
      64,
    );
    const ops = graph.node.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(3); // input, conv1, conv2
    expect(ops).toContain('Conv');
  });

  it('is at most 30% of the fp32 file (the issue bound)', () => {
    expect(result.int8.byteLength / result.fp32.byteLength).toBeLessThanOrEqual(0.3);
  });

  it('chose the calibration method with the best measured mean cosine', () => {
    const { method, candidates, images } = result.calibration;
    expect(images).toBeGreaterThanOrEqual(512);
    const best = Math.max(...Object.values(candidates).map((c) => c.meanCosine));
    expect(candidates[method].meanCosine).toBe(best);
    expect(Object.keys(candidates).sort()).toEqual(['entropy', 'minmax', 'percentile']);
  });

  it('agrees with fp32 on 1,000 test images: cosine, recall@10 in the issue bounds', async () => {
    const n = 1000;
    const images = fashionMnist('test', n);
    const [fp32] = await runOnnx(runtime, result.fp32, images, n, [1, 28, 28], ['embedding']);
    const [int8] = await runOnnx(runtime, result.int8, images, n, [1, 28, 28], ['embedding']);
    const cos = meanMin(rowCosines(fp32, int8, 64));
    // The bounds for the real model: mean ≥ 0.995, min ≥ 0.98, recall@10 ≥ 0.95.
    expect(cos.mean).toBeGreaterThanOrEqual(0.995);
    expect(cos.min).toBeGreaterThanOrEqual(0.98);
    expect(recallAtK(topK(fp32, 64, 10), topK(int8, 64, 10), 10)).toBeGreaterThanOrEqual(0.95);
  });
});
