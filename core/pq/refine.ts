/**
 * Re-rank stores: compact full vectors kept beside the PQ codes so that the best ADC
 * candidates can be re-ordered by a more exact distance.
 *
 * | kind      | bytes per item | what is stored                                          |
 * | --------- | -------------- | ------------------------------------------------------- |
 * | `int8`    | d              | each component scalar-quantized to 256 levels per dim   |
 * | `float16` | 2·d            | each component as IEEE binary16                         |
 * | `pq`      | refineM        | the PQ residual (vector − its PQ reconstruction), coded |
 * |           |                | by a second 8-bit product quantizer of refineM subs     |
 */
import { fromFloat16Bits, toFloat16Bits } from './float16.ts';
import type { AssignFn } from './kmeans.ts';
import { pqParams } from './params.ts';
import { gatherRows } from './random.ts';
import { addDecoded, encode, trainPq, type ProductQuantizer } from './product-quantizer.ts';

/** Residuals sampled (evenly) to train the pq kind's quantizer. */
const REFINE_TRAIN_SIZE = 32768;

/** The kinds of re-rank store; `none` keeps no store. */
export type RefineKind = 'none' | 'int8' | 'float16' | 'pq';

/** A trained re-rank store with the codes of every item. */
export interface RefineStore {
  readonly kind: Exclude<RefineKind, 'none'>;
  /**
   * Trained parameters, Float32Array: for int8, size 2·d (d minima, then d steps); for pq,
   * the residual codebooks, size refineM·256·(d/refineM); empty for float16.
   */
  readonly params: Float32Array;
  /** Subquantizers of the pq kind (0 otherwise). */
  readonly refineM: number;
  /** Codes, Uint8Array, size count·bytesPerItem, one row per item (float16: little-endian). */
  readonly codes: Uint8Array;
}

/** Bytes per item of a store of `kind` for dimension `d`. */
export function refineBytesPerItem(kind: RefineKind, d: number, refineM: number): number {
  return { none: 0, int8: d, float16: 2 * d, pq: refineM }[kind];
}

function trainInt8(data: Float32Array, n: number, d: number): Float32Array {
  const params = new Float32Array(2 * d);
  for (let t = 0; t < d; t++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, data[i * d + t]);
      hi = Math.max(hi, data[i * d + t]);
    }
    params[t] = lo;
    params[d + t] = hi > lo ? (hi - lo) / 255 : 1;
  }
  return params;
}

/** The pq kind's residual quantizer, rebuilt from its stored parameters. */
export function residualQuantizer(store: RefineStore, d: number): ProductQuantizer {
  return { params: pqParams(d, store.refineM, 8), centroids: store.params };
}

/**
 * Trains a store of `kind` and encodes the `n` rows of `data` (Float32Array, size n·d). For the
 * pq kind, `approx` holds the rows' PQ reconstructions (same shape): the residual is coded.
 */
export function buildRefine(
  kind: Exclude<RefineKind, 'none'>,
  data: Float32Array,
  n: number,
  d: number,
  approx: Float32Array,
  refineM: number,
  seed: number,
  assign?: AssignFn,
): RefineStore {
  if (kind === 'float16') {
    const codes = new Uint8Array(n * d * 2);
    const view = new DataView(codes.buffer);
    for (let i = 0; i < n * d; i++) view.setUint16(2 * i, toFloat16Bits(data[i]), true);
    return { kind, params: new Float32Array(0), refineM: 0, codes };
  }
  if (kind === 'int8') {
    const params = trainInt8(data, n, d);
    const codes = new Uint8Array(n * d);
    for (let i = 0; i < n * d; i++) {
      const t = i % d;
      codes[i] = Math.max(0, Math.min(255, Math.round((data[i] - params[t]) / params[d + t])));
    }
    return { kind, params, refineM: 0, codes };
  }
  const residual = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) residual[i] = data[i] - approx[i];
  const step = Math.ceil(n / REFINE_TRAIN_SIZE);
  const rows = Uint32Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step);
  const train = gatherRows(residual, d, rows);
  const pq = trainPq(train, rows.length, pqParams(d, refineM, 8), { seed, assign });
  return { kind, params: pq.centroids, refineM, codes: encode(pq, residual, n, assign) };
}

/** True when the store holds whole vectors (int8, float16), false when it refines PQ (pq). */
export function storesWholeVectors(store: RefineStore): boolean {
  return store.kind !== 'pq';
}

/**
 * Writes the re-rank reconstruction of item `ordinal` into `out` (Float32Array, size d). For
 * the pq kind, `out` must already hold the item's PQ reconstruction: the residual is added.
 */
export function reconstructRefined(
  store: RefineStore,
  d: number,
  ordinal: number,
  out: Float32Array,
  residualPq?: ProductQuantizer,
): void {
  const { codes, params } = store;
  if (store.kind === 'int8') {
    for (let t = 0; t < d; t++) out[t] = params[t] + codes[ordinal * d + t] * params[d + t];
  } else if (store.kind === 'float16') {
    const at = ordinal * d * 2;
    for (let t = 0; t < d; t++) {
      out[t] = fromFloat16Bits(codes[at + 2 * t] | (codes[at + 2 * t + 1] << 8));
    }
  } else {
    const pq = residualPq ?? residualQuantizer(store, d);
    addDecoded(pq, codes, ordinal * store.refineM, out, new Uint8Array(store.refineM));
  }
}
