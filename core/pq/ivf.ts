/**
 * The IVF coarse quantizer: `nlist` centroids of dimension d; each item goes into the list of
 * its nearest centroid and is PQ-coded as its residual to that centroid (as FAISS's
 * IndexIVFPQ with by_residual). A query scans the `nprobe` lists nearest to it.
 */
import { TopK } from './topk.ts';

/**
 * Returns the `nprobe` lists nearest to `query` (Float32Array, size d), nearest first, given
 * the coarse centroids (Float32Array, size nlist·d, row-major).
 */
export function nearestLists(
  query: Float32Array,
  coarse: Float32Array,
  nlist: number,
  d: number,
  nprobe: number,
): number[] {
  const top = new TopK(Math.min(nprobe, nlist));
  for (let l = 0; l < nlist; l++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = query[t] - coarse[l * d + t];
      s += diff * diff;
    }
    if (s < top.threshold) top.push(s, l);
  }
  return top.sorted().map((h) => h.ordinal);
}

/**
 * Orders items by list: given each item's list (Int32Array, size count), returns `order`
 * (Uint32Array, size count: order[ordinal] = original item number, stable within a list) and
 * `offsets` (Uint32Array, size nlist + 1).
 */
export function groupByList(assign: Int32Array, nlist: number) {
  const offsets = new Uint32Array(nlist + 1);
  for (let i = 0; i < assign.length; i++) offsets[assign[i] + 1]++;
  for (let l = 0; l < nlist; l++) offsets[l + 1] += offsets[l];
  const next = offsets.slice(0, nlist);
  const order = new Uint32Array(assign.length);
  for (let i = 0; i < assign.length; i++) order[next[assign[i]]++] = i;
  return { order, offsets };
}

/** Subtracts centroid `assign[i]` from row i of `data` (size n·d) in place. */
export function subtractCentroids(
  data: Float32Array,
  n: number,
  d: number,
  coarse: Float32Array,
  assign: ArrayLike<number>,
): void {
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) data[i * d + t] -= coarse[assign[i] * d + t];
  }
}
