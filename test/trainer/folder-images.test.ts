import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS, preprocessImage } from '../../core/image/index.ts';
import {
  folderInputSpec,
  loadFolderImages,
  locateManifest,
} from '../../trainer/data/folder-images.ts';
import { nodeDecoder } from '../core/image/helpers.ts';
import { writeFolderCatalog } from './folder-fixture.ts';

/** A 1×1 GIF89a image. */
const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const dir = mkdtempSync(join(tmpdir(), 'folder-images-'));
let paths: string[] = [];

beforeAll(async () => {
  paths = await writeFolderCatalog(dir, 6, () => 'x');
  const png = readFileSync(join(dir, paths[0]));
  writeFileSync(join(dir, 'train', 'cut.png'), png.subarray(0, png.length - 30));
  // A GIF (a format the catalog does not read) is skipped by its content, whatever its name.
  writeFileSync(join(dir, 'train', 'anim.gif'), GIF_1X1);
  appendFileSync(
    join(dir, 'manifest.csv'),
    'train/cut.png,train,x\ntrain/gone.jpg,train,x\ntrain/anim.gif,train,x\n',
  );
});

describe('loadFolderImages', () => {
  it('holds each image as core/image preprocesses it, NHWC', async () => {
    const set = await loadFolderImages(dir, join(dir, 'manifest.csv'), { size: 10 });
    expect([set.count, set.height, set.width, set.channels]).toEqual([6, 10, 10, 3]);
    const decode = await nodeDecoder();
    for (const i of [0, 5]) {
      const bytes = new Uint8Array(readFileSync(join(dir, paths[i])));
      const spec = folderInputSpec(10);
      const { input } = await preprocessImage(bytes, spec, decode, DEFAULT_IMAGE_LIMITS);
      const nhwc = set.pixels.subarray(i * 300, (i + 1) * 300);
      for (let p = 0; p < 100; p++) {
        for (let c = 0; c < 3; c++) expect(nhwc[p * 3 + c]).toBe(input[c * 100 + p]);
      }
    }
  });

  it('skips unreadable images, reporting each by path, row and reason', async () => {
    const set = await loadFolderImages(dir, join(dir, 'manifest.csv'), { size: 8 });
    expect(set.paths).toEqual(paths);
    expect(set.skipped).toEqual([
      { path: 'train/cut.png', row: 8, reason: expect.stringMatching(/corrupt or truncated/) },
      { path: 'train/gone.jpg', row: 9, reason: 'no such file' },
      { path: 'train/anim.gif', row: 10, reason: expect.stringMatching(/image is gif; send JPEG/) },
    ]);
  });

  it('keeps the first --limit rows, and fails when no image can be read', async () => {
    const set = await loadFolderImages(dir, join(dir, 'manifest.csv'), { size: 8, limit: 2 });
    expect(set.paths).toEqual(paths.slice(0, 2));
    writeFileSync(join(dir, 'bad.csv'), 'path\ntrain/gone.jpg\n');
    await expect(loadFolderImages(dir, join(dir, 'bad.csv'), { size: 8 })).rejects.toThrow(
      /none of its 1 images can be read \(first: train\/gone\.jpg: no such file\)/,
    );
  });

  it('finds the manifest of a folder, or says what to add', () => {
    expect(locateManifest(dir)).toBe(join(dir, 'manifest.csv'));
    expect(() => locateManifest(join(dir, 'train'))).toThrow(/no manifest; add one of/);
    expect(() => locateManifest(dir, 'nope.csv')).toThrow(/--manifest nope\.csv: no such file/);
  });
});
