/**
 * The index settings the catalog builder picks by catalog size, down to the smallest shop: every
 * size trains its codebooks, round-trips through the file format, and finds each item first.
 */
import { describe, expect, it } from 'vitest';
import { buildIndex, readIndex, writeIndex } from '../../core/index/index.ts';
import { indexOptionsFor } from '../../trainer/catalog/build.ts';
import { clusteredVectors } from '../core/pq/fixtures.ts';

const d = 16;

describe('indexOptionsFor', () => {
  it('keeps the served setting for large catalogs and shrinks ksub below 256 items', () => {
    expect(indexOptionsFor(70_000)).toMatchObject({ M: 16, nbits: 8 });
    expect(indexOptionsFor(300)).toMatchObject({ M: 8, nbits: 8, refine: 'float16' });
    expect(indexOptionsFor(20)).toMatchObject({ M: 8, nbits: 4 });
    expect(indexOptionsFor(10)).toMatchObject({ M: 8, nbits: 3 });
    expect(indexOptionsFor(2)).toMatchObject({ M: 8, nbits: 1 });
  });

  it('refuses a catalog of fewer than 2 items, naming the count', () => {
    expect(() => indexOptionsFor(1)).toThrow(/1 item\(s\) is too small to index; give at least 2/);
    expect(() => indexOptionsFor(0)).toThrow(RangeError);
  });

  it.each([2, 3, 5, 10, 15, 16, 40])('indexes %i items, each its own nearest', (count) => {
    const vectors = clusteredVectors(count, d, count, 4);
    const ids = Array.from({ length: count }, (_, i) => `item-${i}`);
    const index = readIndex(writeIndex(buildIndex(vectors, ids, indexOptionsFor(count))));
    for (let i = 0; i < count; i++) {
      const hits = index.search(vectors.subarray(i * d, (i + 1) * d), count);
      expect(hits).toHaveLength(count);
      expect(hits[0].id).toBe(ids[i]);
    }
  });
});
