/**
 * The derived values of a product quantizer, computed and checked in one place.
 *
 * A vector of dimension `d` is cut into `M` sub-vectors of `dsub = d / M` dimensions; each
 * sub-vector is replaced by the index of its nearest centroid among `ksub = 2^nbits`, so that
 * one vector costs `codeSize = ceil(M * nbits / 8)` bytes.
 */

/** Largest supported `nbits`: a code index always fits in one byte. */
export const MAX_NBITS = 8;

/** The shape of a product quantizer; every field is an integer. */
export interface PqParams {
  /** Vector dimension. */
  readonly d: number;
  /** Number of subquantizers (sub-vectors). */
  readonly M: number;
  /** Bits per subquantizer code, 1..8. */
  readonly nbits: number;
  /** Centroids per subquantizer, `2^nbits`. */
  readonly ksub: number;
  /** Dimension of one sub-vector, `d / M`. */
  readonly dsub: number;
  /** Bytes of one code, `ceil(M * nbits / 8)`. */
  readonly codeSize: number;
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name}=${value} must be a positive integer`);
  }
}

/**
 * Checks `d`, `M` and `nbits` and derives `ksub`, `dsub` and `codeSize`.
 * Throws a RangeError naming the value and the rule, e.g. "d=60 is not a multiple of M=16".
 */
export function pqParams(d: number, M: number, nbits: number): PqParams {
  checkPositiveInteger('d', d);
  checkPositiveInteger('M', M);
  checkPositiveInteger('nbits', nbits);
  if (d % M !== 0) throw new RangeError(`d=${d} is not a multiple of M=${M}`);
  if (nbits > MAX_NBITS) {
    throw new RangeError(`nbits=${nbits} is above the limit of ${MAX_NBITS} bits per code`);
  }
  return { d, M, nbits, ksub: 1 << nbits, dsub: d / M, codeSize: Math.ceil((M * nbits) / 8) };
}

/**
 * Checks that `n` training vectors are enough to train `k` centroids; `what` names the
 * quantizer in the message ("PQ ksub", "IVF nlist").
 */
export function checkTrainingSize(n: number, k: number, what: string): void {
  if (n < k) {
    throw new RangeError(
      `n=${n} training vectors is fewer than ${what}=${k}; ` +
        `give at least ${k} vectors or lower ${what}`,
    );
  }
}
