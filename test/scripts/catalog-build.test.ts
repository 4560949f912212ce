/**
 * A catalog version as `npm run index` writes it: the index and the item image pack belong
 * together (the picture stored at an item's index ordinal is that item's image), and the pack's
 * layout round-trips through the edge's reader.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readIndex } from '../../core/index/index.ts';
import {
  ImagePackManifestSchema,
  imagePackFiles,
  locateRecord,
  toRgba,
} from '../../edge/demo/image-pack.ts';
import { buildCatalogVersion, publishVersion } from '../../trainer/catalog/build.ts';
import { fashionMnistCatalog } from '../../trainer/catalog/fashion-mnist.ts';
import { loadImages, locateFashionMnist } from '../../trainer/data/fashion-mnist.ts';
import { REPO_ROOT } from '../../scripts/lib/paths.ts';
import { fixtureManifest, fixtureModelBytes } from '../edge/fixtures/model.ts';

const SITE = join(REPO_ROOT, 'artifacts', 'test', 'catalog-build');
const PER_SPLIT = 150;
const base = join(SITE, 'catalog', 'v1');

beforeAll(async () => {
  rmSync(SITE, { recursive: true, force: true });
  const bytes = fixtureModelBytes();
  const manifest = fixtureManifest(bytes);
  const model = {
    manifest,
    json: manifest,
    bytes,
    sha256: manifest.files.int8.sha256,
  };
  const source = fashionMnistCatalog(locateFashionMnist(), { limit: PER_SPLIT });
  await buildCatalogVersion({ source, model, site: SITE, prefix: 'catalog', version: 'v1' });
  publishVersion(SITE, 'catalog', 'v1');
}, 120_000);

describe('catalog version', () => {
  it('stores each item picture at its index ordinal, as 255 - pixel', () => {
    const index = readIndex(new Uint8Array(readFileSync(join(base, 'index', '000.bin'))));
    const pack = ImagePackManifestSchema.parse(
      JSON.parse(readFileSync(join(base, 'images', 'manifest.json'), 'utf8')),
    );
    expect(pack).toMatchObject({ width: 28, height: 28, channels: 1, count: 2 * PER_SPLIT });
    const test = loadImages(locateFashionMnist(), 'test', { limit: PER_SPLIT });
    for (const i of [0, 7, PER_SPLIT - 1]) {
      const ordinal = index.ordinalOf(`fm-test-${String(i).padStart(5, '0')}`) as number;
      const [shard, offset] = locateRecord(pack, ordinal);
      const bytes = readFileSync(join(base, pack.shards[shard].path));
      const stored = Array.from(bytes.subarray(offset, offset + 784));
      const expected = Array.from(test.pixels.subarray(i * 784, (i + 1) * 784), (p) =>
        Math.round(255 - p * 255),
      );
      expect(stored).toEqual(expected);
    }
    expect(index.item(index.ordinalOf('fm-train-00000') as number).category).toBe('Ankle boot');
  });

  it('points current.json at the version', () => {
    const pointer = JSON.parse(readFileSync(join(SITE, 'catalog', 'current.json'), 'utf8'));
    expect(pointer).toEqual({ version: 'v1' });
  });
});

describe('image pack', () => {
  const shape = { width: 2, height: 1, channels: 3 as const };
  const records = Uint8Array.from({ length: 5 * 6 }, (_, i) => i);

  it('cuts whole records into shards and locates each', () => {
    const files = imagePackFiles('c/v', shape, records, 13);
    const pack = ImagePackManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(files.get('c/v/images/manifest.json'))),
    );
    expect(pack.perShard).toBe(2);
    expect(pack.shards.map((s) => s.bytes)).toEqual([12, 12, 6]);
    expect(locateRecord(pack, 4)).toEqual([2, 0]);
    expect(locateRecord(pack, 3)).toEqual([1, 6]);
    expect(() => locateRecord(pack, 5)).toThrow(/outside the pack's 0\.\.4/);
  });

  it('refuses records that are not whole', () => {
    expect(() => imagePackFiles('c/v', shape, records.subarray(1))).toThrow(/multiple of/);
  });

  it('expands gray and RGB to opaque RGBA', () => {
    const gray = toRgba({ width: 2, height: 1, channels: 1, data: Uint8Array.of(10, 20) });
    expect(Array.from(gray)).toEqual([10, 10, 10, 255, 20, 20, 20, 255]);
    const rgb = toRgba({ width: 1, height: 1, channels: 3, data: Uint8Array.of(1, 2, 3) });
    expect(Array.from(rgb)).toEqual([1, 2, 3, 255]);
  });
});
