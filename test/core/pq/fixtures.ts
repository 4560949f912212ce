/**
 * Fixed seeded test data: unit vectors drawn around a few random centres, like embeddings of
 * a catalog with a handful of kinds of item; and an exact nearest-neighbour reference.
 */
import { createRng } from '../../../core/pq/random.ts';

/** Float32Array, size n·d, row-major, each row L2-normalised; deterministic for a seed. */
export function clusteredVectors(n: number, d: number, seed: number, clusters = 20) {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const centres = Float32Array.from({ length: clusters * d }, gauss);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rng() * clusters);
    let norm = 0;
    for (let t = 0; t < d; t++) {
      const v = centres[c * d + t] + 0.6 * gauss();
      out[i * d + t] = v;
      norm += v * v;
    }
    for (let t = 0; t < d; t++) out[i * d + t] /= Math.sqrt(norm);
  }
  return out;
}

/** Squared L2 distance between row i of `a` and row j of `b` (both d floats a row). */
export function squaredDistance(a: Float32Array, i: number, b: Float32Array, j: number, d: number) {
  let s = 0;
  for (let t = 0; t < d; t++) s += (a[i * d + t] - b[j * d + t]) ** 2;
  return s;
}

/** Ordinals of the k rows of `base` nearest to row q of `queries`, nearest first (exact). */
export function exactNeighbours(
  base: Float32Array,
  queries: Float32Array,
  q: number,
  d: number,
  k: number,
): number[] {
  const n = base.length / d;
  const all = Array.from({ length: n }, (_, i) => ({
    i,
    s: squaredDistance(queries, q, base, i, d),
  }));
  return all
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .slice(0, k)
    .map((e) => e.i);
}
