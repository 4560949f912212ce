/**
 * Product quantization: training of the `M` codebooks, encoding, decoding, and the ADC
 * distance table of a query.
 *
 * Codes are packed LSB-first as in FAISS: subquantizer m occupies bits [m·nbits, (m+1)·nbits)
 * of a code, so with nbits = 8 byte m of a code is the index of sub-vector m's centroid.
 */
import { assignNearest, kmeans, type AssignFn, type KmeansSeeding } from './kmeans.ts';
import { checkTrainingSize, type PqParams } from './params.ts';

/** A trained product quantizer. */
export interface ProductQuantizer {
  readonly params: PqParams;
  /** The codebooks: Float32Array, size M·ksub·dsub, row-major (m, centroid, component). */
  readonly centroids: Float32Array;
}

/** Options of {@link trainPq}. */
export interface TrainPqOptions {
  /** Lloyd iterations per subquantizer (default 20). */
  iterations?: number;
  /** Seed; subquantizer m uses seed + m (default 1). */
  seed?: number;
  /** Starting codebooks (size M·ksub·dsub) instead of k-means++, e.g. between OPQ steps. */
  init?: Float32Array;
  /** Assignment implementation (default the JavaScript one). */
  assign?: AssignFn;
  /** k-means seeding (default 'kmeans++'). */
  seeding?: KmeansSeeding;
  /** Called after each subquantizer is trained with (done, total = M). */
  onProgress?: (done: number, total: number) => void;
}

/** Copies sub-vector m of each of the `n` rows of `data` (size n·d) into an n·dsub array. */
export function subVectors(data: Float32Array, n: number, params: PqParams, m: number) {
  const { d, dsub } = params;
  const out = new Float32Array(n * dsub);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < dsub; t++) out[i * dsub + t] = data[i * d + m * dsub + t];
  }
  return out;
}

/**
 * Trains the M codebooks by k-means on `n` rows of `data` (Float32Array, size n·d, row-major).
 * Throws when n < ksub.
 */
export function trainPq(
  data: Float32Array,
  n: number,
  params: PqParams,
  options: TrainPqOptions = {},
): ProductQuantizer {
  const { M, ksub, dsub } = params;
  checkTrainingSize(n, ksub, 'ksub');
  const centroids = new Float32Array(M * ksub * dsub);
  for (let m = 0; m < M; m++) {
    const sub = subVectors(data, n, params, m);
    const seed = (options.seed ?? 1) + m;
    const init = options.init?.subarray(m * ksub * dsub, (m + 1) * ksub * dsub);
    const result = kmeans(sub, n, dsub, ksub, {
      iterations: options.iterations,
      seed,
      what: 'ksub',
      init,
      assign: options.assign,
      seeding: options.seeding,
    });
    centroids.set(result.centroids, m * ksub * dsub);
    options.onProgress?.(m + 1, M);
  }
  return { params, centroids };
}

/** Writes the M code indices `idx` (one per subquantizer) as one packed code at `at`. */
export function packCode(idx: ArrayLike<number>, params: PqParams, out: Uint8Array, at: number) {
  const { M, nbits, codeSize } = params;
  if (nbits === 8) {
    for (let m = 0; m < M; m++) out[at + m] = idx[m];
    return;
  }
  out.fill(0, at, at + codeSize);
  for (let m = 0, bit = 0; m < M; m++, bit += nbits) {
    const v = idx[m] << (bit & 7);
    out[at + (bit >> 3)] |= v & 0xff;
    if ((bit & 7) + nbits > 8) out[at + (bit >> 3) + 1] |= v >> 8;
  }
}

/** Reads the packed code at `at` into `idx` (size M): the centroid index of each sub-vector. */
export function unpackCode(codes: Uint8Array, at: number, params: PqParams, idx: Uint8Array) {
  const { M, nbits } = params;
  const mask = (1 << nbits) - 1;
  for (let m = 0, bit = 0; m < M; m++, bit += nbits) {
    const lo = codes[at + (bit >> 3)];
    const hi = (bit & 7) + nbits > 8 ? codes[at + (bit >> 3) + 1] << 8 : 0;
    idx[m] = ((lo | hi) >> (bit & 7)) & mask;
  }
}

/**
 * Encodes `n` rows of `data` (Float32Array, size n·d) to their nearest centroids.
 * Returns a Uint8Array of size n·codeSize, one packed code per row.
 */
export function encode(
  pq: ProductQuantizer,
  data: Float32Array,
  n: number,
  nearest: AssignFn = assignNearest,
): Uint8Array {
  const { M, ksub, dsub, codeSize } = pq.params;
  const idx = new Int32Array(n * M);
  const assign = new Int32Array(n);
  const dist = new Float32Array(n);
  for (let m = 0; m < M; m++) {
    const sub = subVectors(data, n, pq.params, m);
    const book = pq.centroids.subarray(m * ksub * dsub, (m + 1) * ksub * dsub);
    nearest(sub, n, dsub, book, ksub, assign, dist);
    for (let i = 0; i < n; i++) idx[i * M + m] = assign[i];
  }
  const codes = new Uint8Array(n * codeSize);
  for (let i = 0; i < n; i++)
    packCode(idx.subarray(i * M, i * M + M), pq.params, codes, i * codeSize);
  return codes;
}

/**
 * Adds the reconstruction of the code at byte `at` of `codes` to `out` (Float32Array, size
 * d), without allocating: `idx` (Uint8Array, size M) is scratch space.
 */
export function addDecoded(
  pq: ProductQuantizer,
  codes: Uint8Array,
  at: number,
  out: Float32Array,
  idx: Uint8Array,
): void {
  const { M, ksub, dsub } = pq.params;
  const c = pq.centroids;
  unpackCode(codes, at, pq.params, idx);
  for (let m = 0; m < M; m++) {
    const base = (m * ksub + idx[m]) * dsub;
    for (let t = 0; t < dsub; t++) out[m * dsub + t] += c[base + t];
  }
}

/**
 * Decodes `n` codes (Uint8Array, size n·codeSize) to their reconstructions: a Float32Array of
 * size n·d, row-major, each row the concatenation of its M centroids.
 */
export function decode(pq: ProductQuantizer, codes: Uint8Array, n: number): Float32Array {
  const { d, M, ksub, dsub, codeSize } = pq.params;
  const out = new Float32Array(n * d);
  const idx = new Uint8Array(M);
  for (let i = 0; i < n; i++) {
    unpackCode(codes, i * codeSize, pq.params, idx);
    for (let m = 0; m < M; m++) {
      const c = (m * ksub + idx[m]) * dsub;
      out.set(pq.centroids.subarray(c, c + dsub), i * d + m * dsub);
    }
  }
  return out;
}

/**
 * Computes the ADC distance table of `query` (Float32Array, size d): a Float32Array of size
 * M·ksub, row-major, entry (m, j) = squared L2 distance from sub-vector m of the query to
 * centroid j of subquantizer m. Written into `out` when given.
 */
export function distanceTable(
  pq: ProductQuantizer,
  query: Float32Array,
  out: Float32Array = new Float32Array(pq.params.M * pq.params.ksub),
): Float32Array {
  const { M, ksub, dsub } = pq.params;
  const c = pq.centroids;
  for (let m = 0; m < M; m++) {
    const q = m * dsub;
    for (let j = 0; j < ksub; j++) {
      const base = (m * ksub + j) * dsub;
      let s = 0;
      for (let t = 0; t < dsub; t++) {
        const diff = query[q + t] - c[base + t];
        s += diff * diff;
      }
      out[m * ksub + j] = s;
    }
  }
  return out;
}
