/**
 * Exact k-nearest-neighbour search by cosine similarity, run as blocked matrix products on the
 * TensorFlow.js backend that is active (wasm/XNNPACK here): the reference every approximate
 * search and every embedding is judged against.
 */
import * as tf from '@tensorflow/tfjs';

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
 * The `k` most similar base rows of each query row. `queries` (size nq·d) and `base` (size
 * nb·d) are row-major and L2-normalised. Returns Int32Array, size nq·k, row-major, best first.
 * With `excludeSelf`, queries are the base itself and each row skips its own index.
 */
export function exactKnn(
  queries: Float32Array,
  base: Float32Array,
  d: number,
  k: number,
  excludeSelf = false,
): Int32Array {
  const nq = queries.length / d;
  const nb = base.length / d;
  const out = new Int32Array(nq * k);
  const baseT = tf.tensor2d(base, [nb, d]);
  const want = excludeSelf ? k + 1 : k;
  for (let start = 0; start < nq; start += QUERY_BLOCK) {
    const rows = Math.min(QUERY_BLOCK, nq - start);
    const found = tf.tidy(() => {
      const q = tf.tensor2d(queries.subarray(start * d, (start + rows) * d), [rows, d]);
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
 * Mean label precision@k: the fraction of each query's `k` neighbours (`neighbours`, size nq·k)
 * whose label equals the query's, averaged over queries. Labels are used here only, to judge.
 */
export function labelPrecision(
  neighbours: Int32Array,
  k: number,
  queryLabels: Uint8Array,
  baseLabels: Uint8Array,
  atK = k,
): number {
  const nq = neighbours.length / k;
  let hits = 0;
  for (let q = 0; q < nq; q++) {
    for (let j = 0; j < atK; j++) {
      if (baseLabels[neighbours[q * k + j]] === queryLabels[q]) hits++;
    }
  }
  return hits / (nq * atK);
}

/** Fraction of the exact top-`k` (size nq·k) found in the candidate top-`k` (size nq·k). */
export function recallAtK(exact: Int32Array, candidate: Int32Array, k: number): number {
  const nq = exact.length / k;
  let found = 0;
  for (let q = 0; q < nq; q++) {
    const want = new Set(exact.subarray(q * k, (q + 1) * k));
    for (let j = 0; j < k; j++) if (want.has(candidate[q * k + j])) found++;
  }
  return found / (nq * k);
}
