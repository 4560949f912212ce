/**
 * What an evaluation of `npm run eval` produces, whatever its catalog: rows (a representation
 * searched one way, judged on its ranked lists), per-category figures of the best row, and the
 * index settings sweep. The report and figure writers read only these types.
 */
import type { Recall } from '../bench/index/measure.ts';
import type { Metric } from './knn.ts';

/** Answers per query that every row is judged on (precision@k for k ≤ 100, mAP@100). */
export const LIST_LENGTH = 100;
/** Neighbours voting in k-NN accuracy. */
export const KNN_K = 5;
/** Neighbours compared with exact search for recall, and judged by precision@10. */
export const RECALL_K = 10;

/** One row: a representation and how it is searched, with its ranked lists. */
export interface Row {
  name: string;
  /** What is searched: raw pixels, PCA, an embedding. */
  representation: string;
  metric: Metric;
  /** 'exact' (brute force) or the index setting. */
  search: string;
  d: number;
  /** Bytes stored per catalog item to search it this way. */
  bytesPerItem: number;
  /** Int32Array, size nq·LIST_LENGTH: catalog rows of each query's answers, nearest first. */
  neighbours: Int32Array;
  /** Search time per query, ms, one thread (see `timing`). */
  msPerQuery: number;
  /** How `msPerQuery` was measured. */
  timing: string;
  /** Against exact search on the same vectors (index rows only). */
  recall?: Recall;
}

/** A row's figures; `curve[k − 1]` is precision@k for k = 1 … LIST_LENGTH. */
export interface RowFigures extends Omit<Row, 'neighbours'> {
  precisionAt1: number;
  precisionAt10: number;
  mapAt100: number;
  knnAccuracy: number;
  curve: number[];
}

/** Precision@10 of one query category for the best row, beside a reference row. */
export interface CategoryFigures {
  category: string;
  queries: number;
  precision: number;
  /** The reference row's precision@10 for the same queries. */
  reference: number;
  /** The category most frequent among the wrong answers in the top 10, or '' if none. */
  confusedWith: string;
  /** Its share of all top-10 answers of these queries. */
  confusedShare: number;
}

/** One index setting of the sweep, searched with k = RECALL_K. */
export interface SweepPoint {
  name: string;
  /** Group in the figure: 'flat PQ', 'PQ + int8 re-rank', 'IVF-PQ + int8 re-rank', 'exact'. */
  family: string;
  bytesPerItem: number;
  /** True for the catalog builder's setting searched with the service's defaults. */
  served: boolean;
  recall: Recall;
  precisionAt10: number;
  msPerQuery: number;
  /** Seconds to build the index (0 where the index was built for another point). */
  buildSeconds: number;
}

/** Everything one run found. */
export interface EvalReport {
  /** Catalog evaluated, e.g. 'fashion-mnist'. */
  catalog: string;
  /** Sentences that state the protocol: queries, catalog, relevance. */
  protocol: string[];
  queries: number;
  catalogSize: number;
  model: { dir: string; int8Sha256: string; fp32Sha256?: string };
  rows: RowFigures[];
  /** The best row by precision@10, per query category, beside `reference`. */
  perCategory: { row: string; reference: string; categories: CategoryFigures[] };
  sweep: SweepPoint[];
  /** How the sweep and the rows were measured, and anything skipped. */
  notes: string[];
  /** True when the run used every query and every catalog item of the protocol. */
  complete: boolean;
}
