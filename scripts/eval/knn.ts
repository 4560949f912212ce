/**
 * Exact k-nearest-neighbour search, the reference every approximate search and every
 * representation is judged against: all queries at once as blocked matrix products on the
 * TensorFlow.js backend that is active (wasm/XNNPACK here, one thread), and one query at a time
 * in plain JavaScript, the brute-force product whose time `npm run eval` reports per query.
 */
import * as tf from '@tensorflow/tfjs';

import { TopK } from '../../core/pq/topk.ts';

/** How neighbours are ranked: squared Euclidean distance, or cosine similarity. */
export type Metric = 'l2' | 'cosine';

/** Queries per matrix product; bounds memory to QUERY_BLOCK · count floats. */
const QUERY_BLOCK = 512;

/** Returns a copy of `x` (Float32Array, size n·d, row-major) with each row scaled to norm 1. */
export function l2Normalize(x: Float32Array, d: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let row = 0; row < x.length; row += d) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += x[row + j] * x[row + j];
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < d; j++) out[row + j] = x[row + j] * scale;
  }
  return out;
}

/**
 * Rows of size d + 1 whose inner products rank by L2: queries become [2q, −1] and base rows
 * [x, ‖x‖²], so that the product is 2q·x − ‖x‖² = ‖q‖² − ‖q − x‖² (larger is nearer).
 */
function augmentForL2(x: Float32Array, d: number, side: 'query' | 'base'): Float32Array {
  const n = x.length / d;
  const out = new Float32Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j];
      out[i * (d + 1) + j] = side === 'query' ? 2 * v : v;
      norm += v * v;
    }
    out[i * (d + 1) + d] = side === 'query' ? -1 : norm;
  }
  return out;
}

/**
 * The `k` nearest base rows of each query under `metric`. `queries` (size nq·d) and `base`
 * (size nb·d) are row-major; for cosine they are normalised here. Returns Int32Array, size
 * nq·k, row-major, nearest first. With `excludeSelf`, queries are the base itself and each row
 * skips its own index.
 */
export function exactKnn(
  queries: Float32Array,
  base: Float32Array,
  d: number,
  k: number,
  metric: Metric,
  excludeSelf = false,
): Int32Array {
  const [q, b, width] =
    metric === 'cosine'
      ? [l2Normalize(queries, d), l2Normalize(base, d), d]
      : [augmentForL2(queries, d, 'query'), augmentForL2(base, d, 'base'), d + 1];
  return topByProduct(q, b, width, k, excludeSelf);
}

/** The `k` base rows of largest inner product with each query (sizes nq·width, nb·width). */
function topByProduct(
  queries: Float32Array,
  base: Float32Array,
  width: number,
  k: number,
  excludeSelf: boolean,
): Int32Array {
  const nq = queries.length / width;
  const nb = base.length / width;
  const out = new Int32Array(nq * k);
  const baseT = tf.tensor2d(base, [nb, width]);
  const want = excludeSelf ? k + 1 : k;
  for (let start = 0; start < nq; start += QUERY_BLOCK) {
    const rows = Math.min(QUERY_BLOCK, nq - start);
    const found = tf.tidy(() => {
      const q = tf.tensor2d(queries.subarray(start * width, (start + rows) * width), [rows, width]);
      return tf.topk(tf.matMul(q, baseT, false, true), want).indices;
    });
    const ids = found.dataSync() as Int32Array;
    found.dispose();
    for (let r = 0; r < rows; r++) {
      let taken = 0;
      for (let j = 0; j < want && taken < k; j++) {
        const id = ids[r * want + j];
        if (excludeSelf && id === start + r) continue;
        out[(start + r) * k + taken++] = id;
      }
    }
  }
  baseT.dispose();
  return out;
}

/**
 * The base as {@link bruteForceSearch} reads it: for cosine a normalised copy (done once, as an
 * exact index would store it), for L2 the rows as they are.
 */
export function prepareBase(base: Float32Array, d: number, metric: Metric): Float32Array {
  return metric === 'cosine' ? l2Normalize(base, d) : base;
}

/**
 * One query against every base row in plain JavaScript, one thread: squared distances (L2) or
 * inner products with the normalised query (cosine), kept in a bounded top-k. `query`: size d;
 * `base`: size nb·d from {@link prepareBase}. Returns the k nearest rows, nearest first.
 */
export function bruteForceSearch(
  query: Float32Array,
  base: Float32Array,
  d: number,
  k: number,
  metric: Metric,
): Int32Array {
  const q = metric === 'cosine' ? l2Normalize(query, d) : query;
  const nb = base.length / d;
  const top = new TopK(k);
  for (let i = 0; i < nb; i++) {
    let s = 0;
    const at = i * d;
    if (metric === 'cosine') for (let j = 0; j < d; j++) s -= q[j] * base[at + j];
    else
      for (let j = 0; j < d; j++) {
        const diff = q[j] - base[at + j];
        s += diff * diff;
      }
    if (s < top.threshold) top.push(s, i);
  }
  return Int32Array.from(top.sorted(), (hit) => hit.ordinal);
}

/** The first `k` of each row of `neighbours` (size nq·K): Int32Array, size nq·k. */
export function firstK(neighbours: Int32Array, K: number, k: number): Int32Array {
  const nq = neighbours.length / K;
  const out = new Int32Array(nq * k);
  for (let q = 0; q < nq; q++) out.set(neighbours.subarray(q * K, q * K + k), q * k);
  return out;
}
