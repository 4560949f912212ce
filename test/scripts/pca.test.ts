import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitPca, projectPca } from '../../scripts/eval/pca.ts';

/** Seeded uniform numbers in [-1, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/**
 * n points in D dimensions near a planted 3-dimensional subspace (an orthonormal basis B,
 * size D·3): x = B·z + 0.01·noise, z of scales 5, 3, 2.
 */
function planted(n: number, D: number) {
  const rand = uniform(7);
  const raw = tf.tensor2d(Array.from({ length: D * 3 }, rand), [D, 3]);
  const [q] = tf.linalg.qr(raw);
  const basis = q.dataSync() as Float32Array;
  const x = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const z = [5 * rand(), 3 * rand(), 2 * rand()];
    for (let j = 0; j < D; j++) {
      const signal = z[0] * basis[j * 3] + z[1] * basis[j * 3 + 1] + z[2] * basis[j * 3 + 2];
      x[i * D + j] = 1 + signal + 0.01 * rand();
    }
  }
  return { x, basis };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fitPca', () => {
  it.each([
    ['more images than dimensions (covariance)', 80, 20],
    ['fewer images than dimensions (Gram matrix)', 30, 70],
  ])('finds the planted subspace with %s', (_, n, D) => {
    const { x, basis } = planted(n, D);
    const pca = fitPca(x, D, 3);
    for (let a = 0; a < 3; a++) {
      // Orthonormal components, each inside the planted subspace: |Bᵀ·v| = 1 (to 1e-3, the
      // noise is 0.01 against signal scales of 2 to 5).
      let inside = 0;
      for (let k = 0; k < 3; k++) {
        let dot = 0;
        for (let j = 0; j < D; j++) dot += basis[j * 3 + k] * pca.components[j * 3 + a];
        inside += dot * dot;
      }
      expect(Math.sqrt(inside)).toBeCloseTo(1, 3);
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let j = 0; j < D; j++) dot += pca.components[j * 3 + a] * pca.components[j * 3 + b];
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 4);
      }
    }
    // The projections of the centred data keep the planted variance, largest first.
    const y = projectPca(pca, x);
    const variance = [0, 1, 2].map((a) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += y[i * 3 + a] ** 2;
      return s / n;
    });
    expect(variance[0]).toBeGreaterThan(variance[1]);
    expect(variance[1]).toBeGreaterThan(variance[2]);
  });

  it('refuses a d larger than the images or the dimensions', () => {
    expect(() => fitPca(new Float32Array(10 * 4), 4, 5)).toThrow(/d=5 needs at least/);
  });
});
