import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../trainer/backend.ts';

type Case = {
  x: [number, number, number, number];
  f: [number, number, number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid';
};

const CASES: Case[] = [];
for (const stride of [1, 2, 3, [2, 1]] as const) {
  for (const pad of ['same', 'valid'] as const) {
    CASES.push({ x: [3, 9, 7, 3], f: [3, 3, 3, 5], stride: stride as Case['stride'], pad });
    CASES.push({ x: [2, 8, 11, 2], f: [5, 4, 2, 3], stride: stride as Case['stride'], pad });
    CASES.push({ x: [2, 7, 7, 4], f: [1, 1, 4, 2], stride: stride as Case['stride'], pad });
  }
}

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

/** Input and filter gradients of sum(conv2d(x, f) * w) for a fixed weighting w. */
async function gradients(backend: string, c: Case, fused: boolean) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(
      values(
        c.x.reduce((a, b) => a * b),
        1,
      ),
      c.x,
    );
    const f = tf.tensor4d(
      values(
        c.f.reduce((a, b) => a * b),
        2,
      ),
      c.f,
    );
    const bias = tf.tensor1d(values(c.f[3], 4));
    const forward = (xi: tf.Tensor4D, fi: tf.Tensor4D) => {
      const y = fused
        ? tf.fused.conv2d({
            x: xi,
            filter: fi,
            strides: c.stride,
            pad: c.pad,
            bias,
            activation: 'relu',
          })
        : tf.conv2d(xi, fi, c.stride, c.pad);
      return y.mul(tf.tensor(values(y.size, 3), y.shape)).sum();
    };
    const [dx, df] = tf.grads(forward as (...a: tf.Tensor[]) => tf.Tensor)([x, f]);
    const [dxs, dfs] = [Float32Array.from(dx.dataSync()), Float32Array.from(df.dataSync())];
    return { dx: dxs, df: dfs, shapes: [dx.shape, df.shape] };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('wasm Conv2D gradients (forward-convolution formulation) against cpu', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  // Sums of at most ~200 products of values in [-1, 1]: float32 rounding stays near 1e-5.
  // RUNTIME-NOTES measured 3e-6 for this formulation; the built-in Conv3D route was off by 1.2.
  const TOLERANCE = 1e-4;

  for (const c of CASES) {
    const name = `x ${c.x.join('×')}, filter ${c.f.join('×')}, stride ${c.stride}, ${c.pad}`;
    it(`matches for ${name}`, async () => {
      for (const fused of [false, true]) {
        const ref = await gradients('cpu', c, fused);
        const got = await gradients('wasm', c, fused);
        expect(got.shapes).toEqual(ref.shapes);
        expect(maxAbsDiff(got.df, ref.df)).toBeLessThan(TOLERANCE);
        expect(maxAbsDiff(got.dx, ref.dx)).toBeLessThan(TOLERANCE);
      }
    });
  }

  it('frees every intermediate tensor', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    await gradients('wasm', CASES[7], true);
    await tf.setBackend('wasm');
    expect(tf.memory().numBytes).toBe(before);
  });
});
