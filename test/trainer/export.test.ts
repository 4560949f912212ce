import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { emitOnnx } from '../../trainer/export/emit.ts';
import { runOnnx } from '../../trainer/export/ort-run.ts';
import { initNodeRuntime } from '../../trainer/export/ort-node.ts';
import { planEncoder } from '../../trainer/export/plan.ts';
import {
  fashionMnist,
  nhwcToNchw,
  oddEncoder,
  onnxCheck,
  smallEncoder,
  tfjsEmbed,
} from './export-fixtures.ts';

// The bound for fp32 ONNX against TensorFlow.js (max abs difference of embeddings).
const MAX_ABS_DIFF = 1e-4;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

async function onnxEmbed(model: tf.LayersModel, nhwc: Float32Array, n: number) {
  const plan = planEncoder(model);
  const nchw = nhwcToNchw(nhwc, n, plan.h, plan.w, plan.c);
  const chw: [number, number, number] = [plan.c, plan.h, plan.w];
  const [out] = await runOnnx(initNodeRuntime(), emitOnnx(plan), nchw, n, chw, ['embedding']);
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fp32 export', () => {
  it('matches TensorFlow.js on Fashion-MNIST images within 1e-4', async () => {
    const model = smallEncoder();
    const n = 64;
    const images = fashionMnist('test', n);
    const diff = maxAbsDiff(await onnxEmbed(model, images, n), tfjsEmbed(model, images, n));
    expect(diff).toBeLessThanOrEqual(MAX_ABS_DIFF);
  });

  it('matches TensorFlow.js on odd shapes: 3 channels, valid padding, GAP, no bias', async () => {
    const model = oddEncoder();
    const n = 9;
    const images = Float32Array.from(
      { length: n * 11 * 13 * 3 },
      (_, i) => ((i * 7919) % 101) / 100,
    );
    const onnx = await onnxEmbed(model, images, n);
    expect(maxAbsDiff(onnx, tfjsEmbed(model, images, n))).toBeLessThanOrEqual(MAX_ABS_DIFF);
  });

  it('permutes the Dense rows after Flatten (a transposed Flatten would not match)', () => {
    const plan = planEncoder(smallEncoder());
    const dense = plan.steps[3];
    const kernel = smallEncoder().layers[3].getWeights()[0].dataSync() as Float32Array;
    expect(dense.kind).toBe('dense');
    // ONNX row (c=1, y=0, x=0) = 1·49 is TensorFlow.js row (y=0, x=0, c=1) = 1.
    if (dense.kind === 'dense')
      expect(dense.weight.subarray(49 * 16, 50 * 16)).toEqual(kernel.subarray(16, 32));
  });

  it('refuses a layer it does not convert, naming the layer and its class', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }),
        tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_a' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });
    expect(() => planEncoder(model)).toThrow(/layer 'pool_a' is a MaxPooling2D.*supported layers/);
  });

  it('refuses an activation other than relu and linear', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [4, 4, 1],
          filters: 2,
          kernelSize: 3,
          activation: 'tanh',
          name: 'd_tanh',
        }),
      ],
    });
    expect(() => planEncoder(model)).toThrow(/layer 'd_tanh': activation 'tanh'/);
  });
});

describe('ONNX checker (python3-onnx, full_check)', () => {
  it('accepts the fp32 files of both test encoders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-check-'));
    const files = [smallEncoder(), oddEncoder()].map((m, i) => {
      const file = join(dir, `m${i}.fp32.onnx`);
      writeFileSync(file, emitOnnx(planEncoder(m)));
      return file;
    });
    const results = onnxCheck(files);
    expect(results.map((r) => r.error ?? 'ok')).toEqual(['ok', 'ok']);
  });

  it('rejects a file that breaks the specification (the checker is not a no-op)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'export-check-')), 'bad.onnx');
    writeFileSync(file, Uint8Array.of(0x08, 0x08, 0x3a, 0x02, 0x0a, 0x00));
    expect(onnxCheck([file])[0].ok).toBe(false);
  });
});
