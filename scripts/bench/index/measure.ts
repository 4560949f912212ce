/**
 * Measurements of one index configuration on the TypeScript side: recall against the exact
 * neighbours, ms per query, codes scanned per second, bytes per item.
 */
import type { SimilarityIndex } from '../../../core/index/index.ts';
import { pqParams } from '../../../core/pq/params.ts';
import type { ScanKernel } from '../../../core/pq/scan.ts';

/** Neighbours per query compared. */
export const K = 10;

/** Recall figures, the same definitions as scripts/faiss/pq_bench.py. */
export interface Recall {
  /** Fraction of queries whose exact nearest neighbour is ranked first. */
  recall1: number;
  /** Fraction of queries whose exact nearest neighbour is in the top 10 (FAISS's R@10). */
  recall10: number;
  /** Mean |top 10 ∩ exact top 10| / 10 (10-recall@10). */
  overlap10: number;
}

/**
 * Recall of `search` over `count` queries against `truth` (Int32Array, size count·K, the
 * exact top-K base rows per query, nearest first). `search` returns base row numbers.
 */
export function measureRecall(
  search: (q: number) => number[],
  truth: Int32Array,
  count: number,
): Recall {
  let r1 = 0;
  let r10 = 0;
  let overlap = 0;
  for (let q = 0; q < count; q++) {
    const found = search(q);
    const exact = truth.subarray(q * K, q * K + K);
    if (found[0] === exact[0]) r1++;
    if (found.includes(exact[0])) r10++;
    overlap += found.filter((i) => exact.includes(i)).length / K;
  }
  return { recall1: r1 / count, recall10: r10 / count, overlap10: overlap / count };
}

/** Best over `rounds` rounds of the mean ms of `fn` over `reps` calls. */
export function bestMs(fn: (rep: number) => void, reps: number, rounds: number): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) fn(i);
    best = Math.min(best, (performance.now() - t) / reps);
  }
  return best;
}

/**
 * Codes scanned per second by `kernel` over every code of a flat `index` (one full scan per
 * repetition, best of many short rounds).
 */
export function scanRate(index: SimilarityIndex, kernel: ScanKernel): number {
  const { d, M, nbits, count } = index.header;
  const params = pqParams(d, M, nbits);
  const scanner = kernel.bind(index.data.codes, params);
  const table = Float32Array.from({ length: M * params.ksub }, (_, i) => (i * 7919) % 97);
  const ms = bestMs(() => scanner.scan(table, 0, count), 1, 100);
  return count / (ms / 1000);
}
