/**
 * OPQ (Ge et al., 2013, non-parametric): an orthogonal d×d rotation R, trained so that the
 * product quantization of x·R loses less than that of x. Alternates, as FAISS's OPQMatrix
 * does, a few k-means steps of the PQ on the rotated data with the orthogonal Procrustes
 * solution for R. Distances are unchanged by R, so search simply rotates the query.
 */
import type { AssignFn } from './kmeans.ts';
import { crossProduct, multiplyRows, polarFactor, randomRotation } from './linalg.ts';
import type { PqParams } from './params.ts';
import { decode, encode, trainPq } from './product-quantizer.ts';
import { createRng } from './random.ts';

/** Default alternations of PQ training and rotation update (FAISS's default is 50). */
export const DEFAULT_OPQ_ITERATIONS = 10;

/** Options of {@link trainOpq}. */
export interface OpqOptions {
  /** Alternations of PQ training and rotation update (default 10). */
  iterations?: number;
  /** k-means iterations of the PQ at each alternation (default 4; the first gets 10). */
  pqIterations?: number;
  /** Seed of the starting rotation and of the PQ training (default 1). */
  seed?: number;
  /** Assignment implementation for the PQ steps (default the JavaScript one). */
  assign?: AssignFn;
  /** Called after each alternation with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Trains the rotation on `n` rows of `data` (Float32Array, size n·d, row-major). Returns R as
 * a Float32Array of size d·d, row-major; a vector x (row) is rotated as x·R.
 */
export function trainOpq(
  data: Float32Array,
  n: number,
  params: PqParams,
  options: OpqOptions = {},
): Float32Array {
  const { d } = params;
  const seed = options.seed ?? 1;
  const iterations = options.iterations ?? DEFAULT_OPQ_ITERATIONS;
  let rotation = randomRotation(d, createRng(seed));
  let centroids: Float32Array | undefined;
  for (let it = 0; it < iterations; it++) {
    const rotated = multiplyRows(data, n, rotation, d);
    const pq = trainPq(rotated, n, params, {
      seed,
      init: centroids,
      iterations: centroids ? (options.pqIterations ?? 4) : 10,
      assign: options.assign,
    });
    centroids = pq.centroids;
    const approx = decode(pq, encode(pq, rotated, n, options.assign), n);
    rotation = polarFactor(crossProduct(data, approx, n, d), d);
    options.onProgress?.(it + 1, iterations);
  }
  return rotation;
}
