/**
 * Label metrics of ranked neighbour lists, for `npm run eval`. Labels judge the lists here and
 * nowhere in training. Every function reads the same layout:
 *
 * - `neighbours`: Int32Array, size nq·K, row-major: row q holds the catalog rows of query q's K
 *   nearest neighbours, nearest first;
 * - `queryLabels` (size nq) and `catalogLabels` (size of the catalog): category numbers
 *   0 … classes − 1;
 * - an answer is relevant when its category equals the query's.
 *
 * Means are over queries, each query weighing the same.
 */

/**
 * Relevance of each ranked answer: Uint8Array, size nq·K, row-major, 1 where
 * `catalogLabels[neighbours[q·K + j]] === queryLabels[q]`, else 0.
 */
export function relevance(
  neighbours: Int32Array,
  K: number,
  queryLabels: ArrayLike<number>,
  catalogLabels: ArrayLike<number>,
): Uint8Array {
  checkShape(neighbours, K, queryLabels.length);
  const out = new Uint8Array(neighbours.length);
  for (let q = 0; q < queryLabels.length; q++) {
    for (let j = 0; j < K; j++) {
      out[q * K + j] = catalogLabels[neighbours[q * K + j]] === queryLabels[q] ? 1 : 0;
    }
  }
  return out;
}

/** Mean precision@k: the share of each query's first `k` answers that are relevant (k ≤ K). */
export function precisionAtK(rel: Uint8Array, K: number, k: number): number {
  return precisionCurve(rel, K)[checkK(k, K) - 1];
}

/**
 * Mean precision@k for every k = 1 … K: Float64Array, size K, entry k − 1 is precision@k.
 * `rel` is {@link relevance}'s output (size nq·K).
 */
export function precisionCurve(rel: Uint8Array, K: number): Float64Array {
  const nq = rel.length / K;
  const hitsAt = new Float64Array(K);
  for (let q = 0; q < nq; q++) {
    let hits = 0;
    for (let j = 0; j < K; j++) {
      hits += rel[q * K + j];
      hitsAt[j] += hits;
    }
  }
  return hitsAt.map((hits, j) => (nq === 0 ? 0 : hits / (nq * (j + 1))));
}

/**
 * Average precision at `cutoff` of one ranked list (`rel`, the first `cutoff` entries used):
 * AP@n = (1 / min(n, R)) · Σ_{i ≤ n} rel_i · precision@i, where R is the number of relevant
 * items in the whole catalog. The normaliser is what a perfect list could reach, so a list
 * that fills its n places with relevant answers scores 1 and one that stops early scores less
 * (not the "relevant retrieved" normaliser, which would score a list with one relevant answer
 * at the top as 1). R = 0 gives NaN: nothing could be relevant.
 */
export function averagePrecision(
  rel: ArrayLike<number>,
  relevantInCatalog: number,
  cutoff: number,
) {
  if (relevantInCatalog <= 0) return NaN;
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < Math.min(cutoff, rel.length); i++) {
    if (!rel[i]) continue;
    hits++;
    sum += hits / (i + 1);
  }
  return sum / Math.min(cutoff, relevantInCatalog);
}

/**
 * mAP@cutoff: the mean of {@link averagePrecision} over the queries whose category has at least
 * one catalog item (the others have no defined AP; with Fashion-MNIST there are none).
 * `catalogCounts[c]` is the number of catalog items of category c (see {@link labelCounts}).
 */
export function meanAveragePrecision(
  rel: Uint8Array,
  K: number,
  queryLabels: ArrayLike<number>,
  catalogCounts: ArrayLike<number>,
  cutoff = K,
): number {
  checkK(cutoff, K);
  let sum = 0;
  let counted = 0;
  for (let q = 0; q < queryLabels.length; q++) {
    const ap = averagePrecision(
      rel.subarray(q * K, q * K + cutoff),
      catalogCounts[queryLabels[q]],
      cutoff,
    );
    if (Number.isNaN(ap)) continue;
    sum += ap;
    counted++;
  }
  return counted === 0 ? NaN : sum / counted;
}

/** Items per category: Int32Array, size `classes`. */
export function labelCounts(labels: ArrayLike<number>, classes: number): Int32Array {
  const out = new Int32Array(classes);
  for (let i = 0; i < labels.length; i++) out[labels[i]]++;
  return out;
}

/**
 * The category voted by a ranked list of neighbour categories (nearest first): the most
 * frequent; among categories tied for the most votes, the one that appears first in the list
 * (the class of the nearest neighbour among the tied).
 */
export function majorityVote(categories: ArrayLike<number>): number {
  const votes = new Map<number, number>();
  let most = 0;
  for (let i = 0; i < categories.length; i++) {
    const n = (votes.get(categories[i]) ?? 0) + 1;
    votes.set(categories[i], n);
    most = Math.max(most, n);
  }
  for (let i = 0; i < categories.length; i++) {
    if (votes.get(categories[i]) === most) return categories[i];
  }
  throw new RangeError('majorityVote of an empty list');
}

/**
 * k-NN accuracy: the share of queries whose category is the {@link majorityVote} of the
 * categories of their `k` nearest neighbours (k ≤ K).
 */
export function knnAccuracy(
  neighbours: Int32Array,
  K: number,
  queryLabels: ArrayLike<number>,
  catalogLabels: ArrayLike<number>,
  k: number,
): number {
  checkShape(neighbours, K, queryLabels.length);
  checkK(k, K);
  const votes = new Int32Array(k);
  let right = 0;
  for (let q = 0; q < queryLabels.length; q++) {
    for (let j = 0; j < k; j++) votes[j] = catalogLabels[neighbours[q * K + j]];
    if (majorityVote(votes) === queryLabels[q]) right++;
  }
  return queryLabels.length === 0 ? NaN : right / queryLabels.length;
}

/** Precision@k of the queries of one category, and where their wrong answers go. */
export interface CategoryPrecision {
  category: number;
  /** Queries of this category. */
  queries: number;
  /** Mean precision@k over them (NaN without queries). */
  precision: number;
  /** The category most frequent among their wrong answers in the first k, or -1 if none. */
  confusedWith: number;
  /** Its share of all their first-k answers (0 … 1). */
  confusedShare: number;
}

/** Precision@k per query category (size `classes`, by category number). */
export function categoryPrecision(
  neighbours: Int32Array,
  K: number,
  queryLabels: ArrayLike<number>,
  catalogLabels: ArrayLike<number>,
  k: number,
  classes: number,
): CategoryPrecision[] {
  checkShape(neighbours, K, queryLabels.length);
  checkK(k, K);
  const queries = new Int32Array(classes);
  const hits = new Float64Array(classes);
  const wrong = Array.from({ length: classes }, () => new Int32Array(classes));
  for (let q = 0; q < queryLabels.length; q++) {
    const c = queryLabels[q];
    queries[c]++;
    for (let j = 0; j < k; j++) {
      const got = catalogLabels[neighbours[q * K + j]];
      if (got === c) hits[c]++;
      else wrong[c][got]++;
    }
  }
  return Array.from({ length: classes }, (_, c) => {
    const most = wrong[c].reduce((best, n, i) => (n > wrong[c][best] ? i : best), 0);
    const slots = queries[c] * k;
    return {
      category: c,
      queries: queries[c],
      precision: slots === 0 ? NaN : hits[c] / slots,
      confusedWith: wrong[c][most] > 0 ? most : -1,
      confusedShare: slots === 0 ? 0 : wrong[c][most] / slots,
    };
  });
}

function checkShape(neighbours: Int32Array, K: number, nq: number): void {
  if (!Number.isInteger(K) || K < 1 || neighbours.length !== nq * K) {
    throw new RangeError(
      `neighbours has ${neighbours.length} entries; it must be nq·K = ${nq}·${K}`,
    );
  }
}

function checkK(k: number, K: number): number {
  if (!Number.isInteger(k) || k < 1 || k > K) {
    throw new RangeError(`k=${k} must be a whole number from 1 to K=${K}, the list length`);
  }
  return k;
}
