/**
 * A small seeded pseudo-random generator (SplitMix32), so that training is reproducible
 * from a seed in Node and in Workers alike.
 */

/** A source of uniform floats in [0, 1). */
export type Rng = () => number;

/** Returns a generator of uniform floats in [0, 1) determined by the integer `seed`. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/**
 * Draws `count` distinct integers from [0, n) (a partial Fisher-Yates shuffle), in draw order.
 * Returns all of [0, n) in shuffled order when `count >= n`.
 */
export function sampleIndices(n: number, count: number, rng: Rng): Uint32Array {
  const pool = new Uint32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  const take = Math.min(n, count);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, take);
}

/**
 * Gathers rows: returns a Float32Array of size `rows.length * dim` holding the rows `rows` of
 * `data` (row-major, `dim` floats a row).
 */
export function gatherRows(data: Float32Array, dim: number, rows: Uint32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    out.set(data.subarray(rows[i] * dim, rows[i] * dim + dim), i * dim);
  }
  return out;
}
