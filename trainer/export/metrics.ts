/**
 * Agreement between two sets of embeddings of the same images (row-major [n, d], rows
 * L2-normalised): per-row cosine, and recall@k of the neighbours found with one set against
 * those found with the other.
 */

/** Cosine of each row pair of `a` and `b` (Float32Array [n, d] each): Float64Array [n]. */
export function rowCosines(a: Float32Array, b: Float32Array, d: number): Float64Array {
  const n = a.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      dot += a[j] * b[j];
      na += a[j] * a[j];
      nb += b[j] * b[j];
    }
    out[i] = dot / Math.sqrt(na * nb || 1);
  }
  return out;
}

/** Mean and minimum of `xs`. */
export function meanMin(xs: Float64Array): { mean: number; min: number } {
  let sum = 0;
  let min = Infinity;
  for (const x of xs) {
    sum += x;
    min = Math.min(min, x);
  }
  return { mean: sum / xs.length, min };
}

/**
 * Indices of the `k` nearest rows (largest dot product, the row itself excluded) of each row of
 * `x` (Float32Array [n, d]), by exhaustive search: Int32Array [n, k], nearest first.
 */
export function topK(x: Float32Array, d: number, k: number): Int32Array {
  const n = x.length / d;
  const out = new Int32Array(n * k);
  const bestScore = new Float64Array(k);
  const bestIndex = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    bestScore.fill(-Infinity);
    bestIndex.fill(-1);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += x[i * d + t] * x[j * d + t];
      if (s <= bestScore[k - 1]) continue;
      let at = k - 1;
      while (at > 0 && bestScore[at - 1] < s) {
        bestScore[at] = bestScore[at - 1];
        bestIndex[at] = bestIndex[at - 1];
        at--;
      }
      bestScore[at] = s;
      bestIndex[at] = j;
    }
    out.set(bestIndex, i * k);
  }
  return out;
}

/**
 * recall@k: the fraction of the reference's k neighbours of each row (Int32Array [n, k]) that
 * are among the candidate's k neighbours of the same row, averaged over rows.
 */
export function recallAtK(reference: Int32Array, candidate: Int32Array, k: number): number {
  const n = reference.length / k;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const mine = new Set(candidate.subarray(i * k, (i + 1) * k));
    for (let j = i * k; j < (i + 1) * k; j++) if (mine.has(reference[j])) hits++;
  }
  return hits / (n * k);
}
