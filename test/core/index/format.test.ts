import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../core/index/checksum.ts';
import {
  buildIndex,
  IndexFormatError,
  readIndex,
  writeIndex,
  type IndexFormatFault,
} from '../../../core/index/index.ts';
import { clusteredVectors } from '../pq/fixtures.ts';

const d = 16;
const n = 600;
const base = clusteredVectors(n, d, 21);
const ids = Array.from({ length: n }, (_, i) => `sku-${i}`);
const metadata = ids.map((id, i) => ({
  category: i % 5 === 0 ? undefined : ['dress', 'coat', 'bag'][i % 3],
  title: i % 2 ? `Item ${i} — “ünïcode”` : undefined,
  imageUrl: `https://img.example/${id}.png`,
}));
const options = { M: 4, nbits: 6, seed: 3, iterations: 5, modelSha256: 'ab'.repeat(32) };
const builtAt = new Date('2026-12-03T18:00:00.000Z');

function refusal(bytes: Uint8Array): IndexFormatFault | undefined {
  try {
    readIndex(bytes);
    return undefined;
  } catch (e) {
    if (e instanceof IndexFormatError) return e.fault;
    throw e;
  }
}

describe('index file', () => {
  const variants = {
    'flat, metadata': { ...options, metadata, builtAt },
    'IVF + OPQ + int8': { ...options, nlist: 8, opq: true, refine: 'int8' as const, builtAt },
    float16: { ...options, refine: 'float16' as const, builtAt },
    'pq re-rank, per-item URLs': {
      ...options,
      refine: 'pq' as const,
      refineM: 2,
      builtAt,
      metadata: ids.map((id) => ({ imageUrl: `/x/${id.length}/${id}` })),
    },
  };
  for (const [name, opts] of Object.entries(variants)) {
    it(`round-trips exactly: ${name}`, () => {
      const index = buildIndex(base, ids, opts);
      const bytes = writeIndex(index);
      const back = readIndex(bytes);
      expect(back.data).toEqual(index.data);
      expect(writeIndex(back)).toEqual(bytes);
      const q = base.subarray(5 * d, 6 * d);
      expect(back.search(q, 7)).toEqual(index.search(q, 7));
      expect(back.header.builtAt).toBe('2026-12-03T18:00:00.000Z');
    });
  }

  it('stores a URL template instead of one URL per item when it can', () => {
    const tags = (file: Uint8Array) => {
      const count = new DataView(file.buffer).getUint32(52, true);
      return Array.from({ length: count }, (_, i) =>
        String.fromCharCode(...file.subarray(96 + 16 * i, 100 + 16 * i)),
      );
    };
    const templated = writeIndex(buildIndex(base, ids, variants['flat, metadata']));
    expect(tags(templated)).toContain('IURT');
    expect(tags(templated)).not.toContain('IURL');
    const back = readIndex(templated);
    expect(back.item(back.ordinalOf('sku-3') as number)).toEqual({
      id: 'sku-3',
      category: 'dress',
      title: 'Item 3 — “ünïcode”',
      imageUrl: 'https://img.example/sku-3.png',
    });
    expect(back.item(back.ordinalOf('sku-10') as number)).toEqual({
      id: 'sku-10',
      imageUrl: 'https://img.example/sku-10.png',
    });
    const perItem = variants['pq re-rank, per-item URLs'];
    expect(tags(writeIndex(buildIndex(base, ids, perItem)))).toContain('IURL');
  });

  const bytes = writeIndex(buildIndex(base, ids, { ...options, metadata, builtAt }));

  it('refuses a bad magic', () => {
    const bad = bytes.slice();
    bad[0] = 0x7f;
    expect(refusal(bad)).toBe('magic');
    expect(() => readIndex(bad)).toThrow('not an index file');
  });

  it('refuses another format version', () => {
    const bad = bytes.slice();
    bad[8] = 2;
    expect(refusal(bad)).toBe('version');
    expect(() => readIndex(bad)).toThrow('format version 2, this reader reads version 1');
  });

  it('refuses a truncated or padded file', () => {
    expect(refusal(bytes.subarray(0, bytes.length - 8))).toBe('length');
    expect(refusal(new Uint8Array([...bytes, 0]))).toBe('length');
    expect(refusal(bytes.subarray(0, 50))).toBe('length');
  });

  it('refuses a flipped bit anywhere in the contents', () => {
    for (const at of [60, 200, bytes.length >> 1, bytes.length - 5]) {
      const bad = bytes.slice();
      bad[at] ^= 0x10;
      expect(refusal(bad)).toBe('checksum');
    }
  });

  it('refuses a section whose length disagrees with the header (checksum recomputed)', () => {
    const bad = bytes.slice();
    const view = new DataView(bad.buffer);
    view.setUint32(32, n - 1, true); // count
    view.setUint32(bad.length - 4, crc32(bad.subarray(0, bad.length - 4)), true);
    expect(refusal(bad)).toBe('section');
  });
});
