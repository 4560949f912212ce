/**
 * k-means (Lloyd's algorithm) with k-means++ initialisation, seeded, for the PQ codebooks and
 * the IVF coarse quantizer. Data are row-major Float32Arrays of `n` rows of `dim` floats.
 */
import { checkTrainingSize } from './params.ts';
import { createRng, gatherRows, sampleIndices, type Rng } from './random.ts';

/**
 * Nearest-centroid assignment, the inner loop of k-means and of encoding: see
 * {@link assignNearest} for the contract. The wasm kernel supplies a faster one.
 */
export type AssignFn = (
  data: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  k: number,
  assign: Int32Array,
  dist: Float32Array,
) => void;

/**
 * Starting centroids: k-means++ (D² sampling), k distinct random points, or both runs with the
 * lower mean squared error kept (as FAISS's nredo keeps the best of its runs).
 */
export type KmeansSeeding = 'kmeans++' | 'random' | 'best';

/** Options of {@link kmeans}. */
export interface KmeansOptions {
  /** Lloyd iterations after the initialisation (default 20). */
  iterations?: number;
  /** Seed of the k-means++ draws (default 1). */
  seed?: number;
  /** Names the quantizer in error messages (default "k"). */
  what?: string;
  /** Starting centroids (Float32Array, size k·dim) instead of a seeding, e.g. for OPQ. */
  init?: Float32Array;
  /**
   * How to choose the starting centroids (default 'kmeans++'): k-means++ (D² sampling), or
   * 'random', k distinct points drawn uniformly as FAISS does.
   */
  seeding?: KmeansSeeding;
  /** Assignment implementation (default {@link assignNearest}). */
  assign?: AssignFn;
}

/** Result of {@link kmeans}. */
export interface KmeansResult {
  /** Float32Array, size k·dim, row-major: centroid j is at [j·dim, (j+1)·dim). */
  centroids: Float32Array;
  /** Mean squared distance of a point to its centroid after the last assignment. */
  meanSquaredError: number;
}

/** Relative perturbation used to split a large cluster into an empty one (as FAISS does). */
const SPLIT_EPSILON = 1 / 1024;

/**
 * Writes, for each of the `n` rows of `data`, the index of its nearest centroid into `assign`
 * (Int32Array, size n) and the squared distance to it into `dist` (Float32Array, size n).
 * `centroids` is a Float32Array of size k·dim, row-major.
 */
export function assignNearest(
  data: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  k: number,
  assign: Int32Array,
  dist: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    const x = i * dim;
    let best = Infinity;
    let bestJ = 0;
    for (let j = 0, c = 0; j < k; j++, c += dim) {
      let s = 0;
      for (let t = 0; t < dim; t++) {
        const diff = data[x + t] - centroids[c + t];
        s += diff * diff;
      }
      if (s < best) {
        best = s;
        bestJ = j;
      }
    }
    assign[i] = bestJ;
    dist[i] = best;
  }
}

/** k-means++: each next centroid is a point drawn with probability ∝ squared distance. */
function initPlusPlus(data: Float32Array, n: number, dim: number, k: number, rng: Rng) {
  const centroids = new Float32Array(k * dim);
  const minDist = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(rng() * n);
  for (let j = 0; j < k; j++) {
    centroids.set(data.subarray(pick * dim, pick * dim + dim), j * dim);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < dim; t++) {
        const diff = data[i * dim + t] - centroids[j * dim + t];
        s += diff * diff;
      }
      if (s < minDist[i]) minDist[i] = s;
      total += minDist[i];
    }
    let target = rng() * total;
    pick = Math.floor(rng() * n); // kept when every point already coincides with a centroid
    if (total > 0) {
      for (let i = 0; i < n; i++) {
        target -= minDist[i];
        if (target < 0 && minDist[i] > 0) {
          pick = i;
          break;
        }
      }
    }
  }
  return centroids;
}

/** Recomputes the centroids as cluster means; an empty cluster takes half of the largest one. */
function updateCentroids(
  data: Float32Array,
  n: number,
  dim: number,
  k: number,
  assign: Int32Array,
  centroids: Float32Array,
): void {
  const sums = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = assign[i] * dim;
    counts[assign[i]]++;
    for (let t = 0; t < dim; t++) sums[c + t] += data[i * dim + t];
  }
  for (let j = 0; j < k; j++) {
    if (counts[j] === 0) continue;
    for (let t = 0; t < dim; t++) centroids[j * dim + t] = sums[j * dim + t] / counts[j];
  }
  for (let j = 0; j < k; j++) {
    if (counts[j] !== 0) continue;
    let big = 0;
    for (let m = 1; m < k; m++) if (counts[m] > counts[big]) big = m;
    for (let t = 0; t < dim; t++) {
      const v = centroids[big * dim + t];
      const sign = t % 2 === 0 ? 1 : -1;
      centroids[j * dim + t] = v * (1 + sign * SPLIT_EPSILON);
      centroids[big * dim + t] = v * (1 - sign * SPLIT_EPSILON);
    }
    counts[j] = counts[big] / 2;
    counts[big] -= counts[j];
  }
}

/**
 * Clusters the `n` rows of `data` (Float32Array, size n·dim, row-major) into `k` centroids.
 * Deterministic for a given seed. Throws when n < k.
 */
export function kmeans(
  data: Float32Array,
  n: number,
  dim: number,
  k: number,
  options: KmeansOptions = {},
): KmeansResult {
  if (options.seeding !== 'best' || options.init) return kmeansOnce(data, n, dim, k, options);
  const a = kmeansOnce(data, n, dim, k, { ...options, seeding: 'kmeans++' });
  const b = kmeansOnce(data, n, dim, k, { ...options, seeding: 'random' });
  return a.meanSquaredError <= b.meanSquaredError ? a : b;
}

function kmeansOnce(
  data: Float32Array,
  n: number,
  dim: number,
  k: number,
  options: KmeansOptions = {},
): KmeansResult {
  checkTrainingSize(n, k, options.what ?? 'k');
  if (data.length < n * dim) {
    throw new RangeError(`data has ${data.length} floats, fewer than n·dim=${n}·${dim}`);
  }
  const rng = createRng(options.seed ?? 1);
  const centroids = options.init
    ? options.init.slice()
    : options.seeding === 'random'
      ? gatherRows(data, dim, sampleIndices(n, k, rng))
      : initPlusPlus(data, n, dim, k, rng);
  const assign = new Int32Array(n);
  const dist = new Float32Array(n);
  const iterations = options.iterations ?? 20;
  const nearest = options.assign ?? assignNearest;
  for (let it = 0; it < iterations; it++) {
    nearest(data, n, dim, centroids, k, assign, dist);
    updateCentroids(data, n, dim, k, assign, centroids);
  }
  nearest(data, n, dim, centroids, k, assign, dist);
  let total = 0;
  for (let i = 0; i < n; i++) total += dist[i];
  return { centroids, meanSquaredError: total / n };
}
