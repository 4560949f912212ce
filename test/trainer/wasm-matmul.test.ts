import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../trainer/backend.ts';

/** Deterministic pseudo-random values in [-1, 1) (a fixed LCG, so both backends see the same). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

type Case = { a: number[]; b: number[]; ta: boolean; tb: boolean };
const CASES: Case[] = [];
for (const ta of [false, true]) {
  for (const tb of [false, true]) {
    const [m, k, n] = [13, 37, 11];
    CASES.push({ a: ta ? [k, m] : [m, k], b: tb ? [n, k] : [k, n], ta, tb });
    CASES.push({ a: ta ? [1, k, m] : [1, m, k], b: tb ? [1, n, k] : [1, k, n], ta, tb });
    CASES.push({ a: ta ? [3, k, m] : [3, m, k], b: tb ? [3, n, k] : [3, k, n], ta, tb });
  }
}

/** Plain and fused (bias + ReLU) products of one case, and the gradients of a dense layer. */
async function products(backend: string, c: Case) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const a = tf.tensor(values(size(c.a), 1), c.a);
    const b = tf.tensor(values(size(c.b), 2), c.b);
    const bias = tf.tensor1d(values(c.tb ? c.b[c.b.length - 2] : c.b[c.b.length - 1], 3));
    const plain = tf.matMul(a, b, c.ta, c.tb);
    const fused = tf.fused.matMul({
      a,
      b,
      transposeA: c.ta,
      transposeB: c.tb,
      bias,
      activation: 'relu',
    });
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.fused
        .matMul({ a: x, b: y, transposeA: c.ta, transposeB: c.tb, bias, activation: 'relu' })
        .square()
        .sum(),
    )([a, b]);
    return [plain, fused, ga, gb].map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
  });
}

describe('wasm matrix products with transposed operands, against cpu', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  // Sums of 37 products of values in [-1, 1], squared in the gradient: float32 rounding ~1e-5.
  const TOLERANCE = 1e-4;

  for (const c of CASES) {
    const name = `a ${c.a.join('×')}${c.ta ? 'ᵀ' : ''} · b ${c.b.join('×')}${c.tb ? 'ᵀ' : ''}`;
    it(`matches for ${name}`, async () => {
      const ref = await products('cpu', c);
      const got = await products('wasm', c);
      // The built-in _FusedMatMul adds the bias wrongly when there is more than one batch
      // matrix (max diff 1.07 with or without these kernels; dense layers never do that), so
      // batched cases compare the plain product and the gradients only.
      const checked = c.a[0] === 3 ? [0, 2, 3] : [0, 1, 2, 3];
      for (const i of checked) {
        expect(got[i].shape).toEqual(ref[i].shape);
        const diff = Math.max(...got[i].data.map((v, j) => Math.abs(v - ref[i].data[j])));
        expect(diff).toBeLessThan(TOLERANCE);
      }
    });
  }

  it('frees every intermediate tensor', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    await products('wasm', CASES[4]);
    expect(tf.memory().numBytes).toBe(before);
  });
});
