/**
 * Exact search of `npm run eval` (scripts/eval/knn.ts): the batched matrix-product path and the
 * timed brute force both return the neighbours of a naive sort of every distance, for L2 and
 * cosine, on seeded random vectors of odd sizes (continuous values, so no ties).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/pq/random.ts';
import {
  bruteForceSearch,
  exactKnn,
  firstK,
  prepareBase,
  type Metric,
} from '../../scripts/eval/knn.ts';

function randomRows(n: number, d: number, seed: number): Float32Array {
  const rng = createRng(seed);
  // Uneven norms (0.5 … 3), so that L2 and cosine rank differently.
  return Float32Array.from({ length: n * d }, (_, i) => (rng() - 0.3) * (1 + (i % 5) / 2));
}

/** Rows of `base` sorted by distance to `query`, by definition. */
function naive(query: Float32Array, base: Float32Array, d: number, metric: Metric): number[] {
  const rows = Array.from({ length: base.length / d }, (_, i) => base.subarray(i * d, i * d + d));
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, j) => s + v * b[j], 0);
  const dist = rows.map((x) =>
    metric === 'l2'
      ? x.reduce((s, v, j) => s + (query[j] - v) ** 2, 0)
      : -dot(query, x) / Math.sqrt(dot(query, query) * dot(x, x)),
  );
  return dist.map((_, i) => i).sort((a, b) => dist[a] - dist[b]);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('exact search', () => {
  const d = 7;
  const queries = randomRows(13, d, 3);
  const base = randomRows(101, d, 4);
  const k = 9;

  for (const metric of ['l2', 'cosine'] as const) {
    it(`returns the k nearest by ${metric}, nearest first, both ways`, () => {
      const batched = exactKnn(queries, base, d, k, metric);
      const prepared = prepareBase(base, d, metric);
      for (let q = 0; q < 13; q++) {
        const query = queries.subarray(q * d, q * d + d);
        const want = naive(query, base, d, metric).slice(0, k);
        expect(Array.from(batched.subarray(q * k, q * k + k))).toEqual(want);
        expect(Array.from(bruteForceSearch(query, prepared, d, k, metric))).toEqual(want);
      }
    });
  }

  it('ranks L2 and cosine differently on vectors of uneven norms', () => {
    expect(exactKnn(queries, base, d, k, 'l2')).not.toEqual(
      exactKnn(queries, base, d, k, 'cosine'),
    );
  });

  it('skips each row itself with excludeSelf', () => {
    const found = exactKnn(base, base, d, 3, 'l2', true);
    for (let i = 0; i < 101; i++) {
      const want = naive(base.subarray(i * d, i * d + d), base, d, 'l2').filter((j) => j !== i);
      expect(Array.from(found.subarray(i * 3, i * 3 + 3))).toEqual(want.slice(0, 3));
    }
  });

  it('firstK keeps the head of each row', () => {
    const rows = Int32Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(firstK(rows, 3, 2))).toEqual([1, 2, 4, 5]);
  });
});
