/**
 * The label metrics of `npm run eval` (scripts/eval/metrics.ts) against naive references
 * written from the definitions, on hand-made cases whose figures are worked out in the comments
 * and on random small cases (fast-check, fixed seed). Tolerance 1e-12: both sides sum the same
 * few terms in double precision, in possibly different orders.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  categoryPrecision,
  knnAccuracy,
  labelCounts,
  majorityVote,
  meanAveragePrecision,
  precisionAtK,
  precisionCurve,
  relevance,
} from '../../scripts/eval/metrics.ts';

const TOLERANCE = 1e-12;

/** Hand-made case: 2 queries, a catalog of 5, K = 3 answers each. */
const queryLabels = [0, 1];
const catalogLabels = [0, 0, 1, 1, 2];
// q0 (category 0) gets catalog rows 0, 2, 1: categories 0, 1, 0 → relevant 1, 0, 1.
// q1 (category 1) gets catalog rows 4, 3, 0: categories 2, 1, 0 → relevant 0, 1, 0.
const neighbours = Int32Array.from([0, 2, 1, 4, 3, 0]);
const K = 3;

// ---- naive references, one list at a time, straight from the definitions -------------------

function lists(nb: Int32Array, k: number, catalog: ArrayLike<number>): number[][] {
  return Array.from({ length: nb.length / k }, (_, q) =>
    Array.from(nb.subarray(q * k, q * k + k), (row) => catalog[row]),
  );
}

function naivePrecision(cats: number[][], queries: ArrayLike<number>, k: number): number {
  const per = cats.map((l, q) => l.slice(0, k).filter((c) => c === queries[q]).length / k);
  return per.reduce((a, b) => a + b, 0) / per.length;
}

function naiveAp(cats: number[], query: number, inCatalog: number, cutoff: number): number {
  let sum = 0;
  cats.slice(0, cutoff).forEach((c, i) => {
    if (c !== query) return;
    sum += cats.slice(0, i + 1).filter((x) => x === query).length / (i + 1);
  });
  return sum / Math.min(cutoff, inCatalog);
}

function naiveVote(cats: number[]): number {
  const count = (c: number) => cats.filter((x) => x === c).length;
  const order = [...new Set(cats)].sort(
    (a, b) => count(b) - count(a) || cats.indexOf(a) - cats.indexOf(b),
  );
  return order[0];
}

// ---- hand-made cases -------------------------------------------------------------------------

describe('precision@k', () => {
  it('is the mean share of relevant answers among the first k', () => {
    const rel = relevance(neighbours, K, queryLabels, catalogLabels);
    expect(Array.from(rel)).toEqual([1, 0, 1, 0, 1, 0]);
    // @1: (1 + 0) / 2; @2: (1/2 + 1/2) / 2; @3: (2/3 + 1/3) / 2.
    expect(Array.from(precisionCurve(rel, K))).toEqual([0.5, 0.5, 0.5]);
    expect(precisionAtK(rel, K, 1)).toBe(0.5);
  });

  it('rejects a k longer than the lists, naming both', () => {
    const rel = relevance(neighbours, K, queryLabels, catalogLabels);
    expect(() => precisionAtK(rel, K, 4)).toThrow('k=4 must be a whole number from 1 to K=3');
  });

  it('rejects neighbours that are not nq·K', () => {
    expect(() => relevance(neighbours.subarray(1), K, queryLabels, catalogLabels)).toThrow(
      'neighbours has 5 entries; it must be nq·K = 2·3',
    );
  });
});

describe('average precision', () => {
  it('normalises by min(cutoff, relevant items in the catalog)', () => {
    // q0: relevant at ranks 1 and 3 → (1/1 + 2/3) / min(3, 2) = 5/6.
    expect(averagePrecision([1, 0, 1], 2, 3)).toBeCloseTo(5 / 6, 12);
    // q1: relevant at rank 2 → (1/2) / min(3, 2) = 1/4.
    expect(averagePrecision([0, 1, 0], 2, 3)).toBeCloseTo(1 / 4, 12);
    // One relevant answer on top of a list of 3 when 10 exist: (1/1) / 3, not 1.
    expect(averagePrecision([1, 0, 0], 10, 3)).toBeCloseTo(1 / 3, 12);
    expect(averagePrecision([1, 1, 1], 10, 3)).toBe(1);
  });

  it('is undefined (NaN) when nothing in the catalog is relevant', () => {
    expect(averagePrecision([0, 0], 0, 2)).toBeNaN();
  });

  it('mAP averages over the queries whose category is in the catalog', () => {
    const rel = relevance(neighbours, K, queryLabels, catalogLabels);
    const counts = labelCounts(catalogLabels, 3);
    expect(Array.from(counts)).toEqual([2, 2, 1]);
    expect(meanAveragePrecision(rel, K, queryLabels, counts, 3)).toBeCloseTo(13 / 24, 12);
    // A third query of a category with no catalog item is left out of the mean.
    const nb = Int32Array.from([...neighbours, 0, 1, 2]);
    const rel3 = relevance(nb, K, [0, 1, 3], catalogLabels);
    expect(meanAveragePrecision(rel3, K, [0, 1, 3], [2, 2, 1, 0], 3)).toBeCloseTo(13 / 24, 12);
    // Cutoff 1: only the first answers count; q0 1/1, q1 0.
    expect(meanAveragePrecision(rel, K, queryLabels, counts, 1)).toBe(0.5);
  });
});

describe('k-NN accuracy', () => {
  it('takes the majority, ties to the class of the nearest among the tied', () => {
    expect(majorityVote([1, 2, 2, 1, 3])).toBe(1);
    expect(majorityVote([3, 1, 2, 2, 1])).toBe(1); // 1 and 2 tie; 3 is nearer but not tied
    expect(majorityVote([3, 2, 1, 2, 1])).toBe(2);
    expect(majorityVote([4, 4, 1, 2, 3])).toBe(4);
    expect(majorityVote([5, 6, 7, 8, 9])).toBe(5);
  });

  it('scores the vote of the first k answers against the query category', () => {
    // k = 3: q0 votes 0,1,0 → 0 (right); q1 votes 2,1,0 → three-way tie → 2 (wrong).
    expect(knnAccuracy(neighbours, K, queryLabels, catalogLabels, 3)).toBe(0.5);
    // k = 1: q0 → 0 (right); q1 → 2 (wrong).
    expect(knnAccuracy(neighbours, K, queryLabels, catalogLabels, 1)).toBe(0.5);
    // k = 2 with q1's list 3, 4: 1, 2 tie → 1 (right).
    const nb = Int32Array.from([0, 2, 1, 3, 4, 0]);
    expect(knnAccuracy(nb, K, queryLabels, catalogLabels, 2)).toBe(1);
  });
});

describe('per-category precision', () => {
  it('splits precision@k by query category and names the most frequent wrong one', () => {
    const per = categoryPrecision(neighbours, K, queryLabels, catalogLabels, 3, 3);
    expect(per[0]).toEqual({
      category: 0,
      queries: 1,
      precision: 2 / 3,
      confusedWith: 1,
      confusedShare: 1 / 3,
    });
    // q1's wrong answers are categories 2 and 0, one each: the first category wins the tie.
    expect(per[1]).toMatchObject({ queries: 1, precision: 1 / 3, confusedWith: 0 });
    expect(per[2]).toMatchObject({ queries: 0, confusedWith: -1, confusedShare: 0 });
    expect(per[2].precision).toBeNaN();
  });
});

// ---- random cases against the naive references ------------------------------------------------

const cases = fc
  .record({
    nq: fc.integer({ min: 1, max: 12 }),
    nb: fc.integer({ min: 1, max: 30 }),
    K: fc.integer({ min: 1, max: 8 }),
    classes: fc.integer({ min: 1, max: 4 }),
    seed: fc.integer(),
  })
  .map(({ nq, nb, K: k, classes, seed }) => {
    let s = seed >>> 0 || 1;
    const next = (n: number) => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s % n;
    };
    return {
      K: k,
      classes,
      queryLabels: Array.from({ length: nq }, () => next(classes)),
      catalogLabels: Array.from({ length: nb }, () => next(classes)),
      // Answers may repeat: the metrics do not assume distinct rows.
      neighbours: Int32Array.from({ length: nq * k }, () => next(nb)),
    };
  });

describe('against the naive references on random lists', () => {
  it('precision@k for every k, mAP@K and 5-NN accuracy agree', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const cats = lists(c.neighbours, c.K, c.catalogLabels);
        const rel = relevance(c.neighbours, c.K, c.queryLabels, c.catalogLabels);
        const curve = precisionCurve(rel, c.K);
        for (let k = 1; k <= c.K; k++) {
          expect(Math.abs(curve[k - 1] - naivePrecision(cats, c.queryLabels, k))).toBeLessThan(
            TOLERANCE,
          );
        }
        const counts = labelCounts(c.catalogLabels, c.classes);
        const aps = cats
          .map((l, q) => naiveAp(l, c.queryLabels[q], counts[c.queryLabels[q]], c.K))
          .filter((ap) => !Number.isNaN(ap));
        const map = meanAveragePrecision(rel, c.K, c.queryLabels, counts, c.K);
        if (aps.length === 0) expect(map).toBeNaN();
        else
          expect(Math.abs(map - aps.reduce((a, b) => a + b, 0) / aps.length)).toBeLessThan(
            TOLERANCE,
          );
        const k = Math.min(5, c.K);
        const right = cats.filter((l, q) => naiveVote(l.slice(0, k)) === c.queryLabels[q]);
        expect(knnAccuracy(c.neighbours, c.K, c.queryLabels, c.catalogLabels, k)).toBeCloseTo(
          right.length / cats.length,
          12,
        );
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('per-category precision@k agrees', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const per = categoryPrecision(
          c.neighbours,
          c.K,
          c.queryLabels,
          c.catalogLabels,
          c.K,
          c.classes,
        );
        const cats = lists(c.neighbours, c.K, c.catalogLabels);
        for (let cat = 0; cat < c.classes; cat++) {
          const mine = cats.filter((_, q) => c.queryLabels[q] === cat);
          expect(per[cat].queries).toBe(mine.length);
          if (mine.length === 0) continue;
          const want = naivePrecision(mine, Array(mine.length).fill(cat), c.K);
          expect(Math.abs(per[cat].precision - want)).toBeLessThan(TOLERANCE);
        }
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});
