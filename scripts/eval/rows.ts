/**
 * The rows of `npm run eval`: exact search of a representation (raw pixels, PCA, an embedding)
 * and search through an index, each as ranked lists of LIST_LENGTH answers per query with a
 * time per query; and a row's label figures.
 */
import type { SearchOptions, SimilarityIndex } from '../../core/index/index.ts';
import { DEFAULT_RERANK_PER_RESULT } from '../../core/pq/search.ts';
import { bestMs, measureRecall } from '../bench/index/measure.ts';
import { bruteForceSearch, exactKnn, firstK, prepareBase, type Metric } from './knn.ts';
import {
  knnAccuracy,
  labelCounts,
  meanAveragePrecision,
  precisionCurve,
  relevance,
} from './metrics.ts';
import { KNN_K, LIST_LENGTH, RECALL_K, type Row, type RowFigures } from './types.ts';

/**
 * Brute-force timing: best of EXACT_ROUNDS batches of EXACT_REPS queries (the machine is
 * shared, so the best batch is the least disturbed one); 784-d raw pixels take tens of ms each.
 */
const EXACT_REPS = 10;
const EXACT_ROUNDS = 10;
/** Index timing, as `npm run bench -- index` times it: best of 30 batches of 40 queries. */
export const INDEX_REPS = 40;
export const INDEX_ROUNDS = 30;

/** Vectors of one representation: Float32Array, size count·d, row-major. */
export interface VectorPair {
  queries: Float32Array;
  catalog: Float32Array;
  d: number;
}

/** Describes an exact row. */
export interface ExactSpec {
  name: string;
  representation: string;
  metric: Metric;
  /** Bytes per item as searched (float32 vectors: 4·d). */
  bytesPerItem?: number;
}

/**
 * An exact row: every query's LIST_LENGTH nearest catalog rows by batched matrix products, and
 * the time of one query's brute-force product in plain JavaScript (one thread). Also returns
 * how often the timed brute force agreed with the batched top 10 (a check of both paths).
 */
export function exactRow(spec: ExactSpec, v: VectorPair): { row: Row; agreement: number } {
  const { d } = v;
  const nq = v.queries.length / d;
  const neighbours = exactKnn(v.queries, v.catalog, d, LIST_LENGTH, spec.metric);
  const { msPerQuery, search } = timeBruteForce(v, spec.metric, LIST_LENGTH);
  const checked = Math.min(nq, EXACT_REPS);
  let same = 0;
  for (let q = 0; q < checked; q++) {
    const want = new Set(neighbours.subarray(q * LIST_LENGTH, q * LIST_LENGTH + RECALL_K));
    same += Array.from(search(q).subarray(0, RECALL_K)).filter((i) => want.has(i)).length;
  }
  const row: Row = {
    name: spec.name,
    representation: spec.representation,
    metric: spec.metric,
    search: 'exact',
    d,
    bytesPerItem: spec.bytesPerItem ?? 4 * d,
    neighbours,
    msPerQuery,
    timing:
      `brute force in plain JavaScript, one query against every catalog row, top ` +
      `${LIST_LENGTH}; best of ${EXACT_ROUNDS} batches of ${EXACT_REPS} queries`,
  };
  return { row, agreement: same / (checked * RECALL_K) };
}

/**
 * Best ms per query of the plain-JavaScript brute force for the top `k` (see {@link exactRow}),
 * cycling through the queries; also returns the timed search, by query number.
 */
export function timeBruteForce(v: VectorPair, metric: Metric, k: number) {
  const { d } = v;
  const nq = v.queries.length / d;
  const prepared = prepareBase(v.catalog, d, metric);
  const search = (q: number) =>
    bruteForceSearch(v.queries.subarray((q % nq) * d, ((q % nq) + 1) * d), prepared, d, k, metric);
  return { msPerQuery: bestMs(search, EXACT_REPS, EXACT_ROUNDS), search };
}

/**
 * The catalog rows of `index.search(query, k, options)` for every query: Int32Array, size
 * nq·k, row-major; -1 where the index returned fewer than k hits. Catalog rows are read from
 * the hit ids (the index stores items in its own order), which must be the row numbers.
 */
export function searchAll(
  index: SimilarityIndex,
  queries: Float32Array,
  k: number,
  options: SearchOptions = {},
): Int32Array {
  const { d } = index.header;
  const nq = queries.length / d;
  const out = new Int32Array(nq * k).fill(-1);
  for (let q = 0; q < nq; q++) {
    const hits = index.search(queries.subarray(q * d, (q + 1) * d), k, options);
    hits.forEach((hit, j) => (out[q * k + j] = Number(hit.id)));
  }
  return out;
}

/** Best ms per `index.search(query, k, options)`, cycling through the queries. */
export function timeSearch(
  index: SimilarityIndex,
  queries: Float32Array,
  k: number,
  options: SearchOptions = {},
): number {
  const { d } = index.header;
  const nq = queries.length / d;
  const query = (i: number) => queries.subarray((i % nq) * d, ((i % nq) + 1) * d);
  return bestMs((i) => index.search(query(i), k, options), INDEX_REPS, INDEX_ROUNDS);
}

/** Recall of ranked lists (size nq·K) against exact lists (size nq·LIST_LENGTH). */
export function recallVsExact(found: Int32Array, K: number, exact: Int32Array) {
  const nq = found.length / K;
  const truth = firstK(exact, LIST_LENGTH, RECALL_K);
  return measureRecall((q) => Array.from(found.subarray(q * K, q * K + RECALL_K)), truth, nq);
}

/** An index row: LIST_LENGTH answers per query from `index`, timed per query. */
export function indexRow(
  spec: Omit<ExactSpec, 'bytesPerItem'> & { search: string },
  index: SimilarityIndex,
  queries: Float32Array,
  exact: Int32Array,
): Row {
  const neighbours = searchAll(index, queries, LIST_LENGTH);
  return {
    ...spec,
    d: index.header.d,
    bytesPerItem: index.bytesPerItem,
    neighbours,
    msPerQuery: timeSearch(index, queries, LIST_LENGTH),
    timing:
      `index.search(query, ${LIST_LENGTH}) with the service's defaults (re-rank ` +
      `${DEFAULT_RERANK_PER_RESULT}·k candidates), wasm scan kernel, ` +
      `one thread; best of ${INDEX_ROUNDS} batches of ${INDEX_REPS} queries`,
    recall: recallVsExact(neighbours, LIST_LENGTH, exact),
  };
}

/** A row's label figures from its ranked lists. */
export function rowFigures(
  row: Row,
  queryLabels: Uint8Array,
  catalogLabels: Uint8Array,
  classes: number,
): RowFigures {
  const { neighbours, ...rest } = row;
  const rel = relevance(neighbours, LIST_LENGTH, queryLabels, catalogLabels);
  const curve = Array.from(precisionCurve(rel, LIST_LENGTH));
  const counts = labelCounts(catalogLabels, classes);
  return {
    ...rest,
    precisionAt1: curve[0],
    precisionAt10: curve[9],
    mapAt100: meanAveragePrecision(rel, LIST_LENGTH, queryLabels, counts, LIST_LENGTH),
    knnAccuracy: knnAccuracy(neighbours, LIST_LENGTH, queryLabels, catalogLabels, KNN_K),
    curve,
  };
}
