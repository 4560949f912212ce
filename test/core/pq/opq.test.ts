import { describe, expect, it } from 'vitest';
import {
  crossProduct,
  multiplyRows,
  polarFactor,
  randomRotation,
} from '../../../core/pq/linalg.ts';
import { trainOpq } from '../../../core/pq/opq.ts';
import { pqParams } from '../../../core/pq/params.ts';
import { decode, encode, trainPq } from '../../../core/pq/product-quantizer.ts';
import { createRng } from '../../../core/pq/random.ts';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('linear algebra for OPQ', () => {
  it('recovers a rotation from Procrustes (polar factor of Xᵀ·X·R is R)', () => {
    const d = 12;
    const rng = createRng(3);
    const r = randomRotation(d, rng);
    const x = Float32Array.from({ length: 200 * d }, () => rng() - 0.5);
    const y = multiplyRows(x, 200, r, d);
    // 1e-5: float32 storage of R and of X·R limits the recovered entries to ~1e-6.
    expect(maxAbsDiff(polarFactor(crossProduct(x, y, 200, d), d), r)).toBeLessThan(1e-5);
    const rrt = multiplyRows(
      r,
      d,
      Float32Array.from({ length: d * d }, (_, i) => r[(i % d) * d + Math.floor(i / d)]),
      d,
    );
    const eye = Float32Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));
    expect(maxAbsDiff(rrt, eye)).toBeLessThan(1e-5);
  });
});

describe('OPQ', () => {
  it('lowers the quantization error on data whose correlations cross sub-vectors', () => {
    // d = 8, M = 2: dims 0 and 4 (and 1 and 5, ...) move together, so a split into [0..3] and
    // [4..7] wastes the codebooks; a rotation can put each pair in one sub-vector.
    const n = 1000;
    const d = 8;
    const rng = createRng(9);
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < 4; t++) {
        const v = rng() - 0.5;
        x[i * d + t] = v;
        x[i * d + t + 4] = v + 0.05 * (rng() - 0.5);
      }
    }
    const params = pqParams(d, 2, 4);
    const error = (data: Float32Array) => {
      const pq = trainPq(data, n, params, { seed: 1, iterations: 10 });
      const back = decode(pq, encode(pq, data, n), n);
      return back.reduce((s, v, i) => s + (v - data[i]) ** 2, 0) / n;
    };
    const rotation = trainOpq(x, n, params, { seed: 1, iterations: 6 });
    const plain = error(x);
    const rotated = error(multiplyRows(x, n, rotation, d));
    // Measured 0.177 without and 0.053 with the rotation on this seed; 0.9 asks for a clear win.
    expect(rotated).toBeLessThan(0.9 * plain);
  });
});
