/**
 * A shop's own catalog: a folder of images (JPEG, PNG, WebP) and a manifest (manifest.ts),
 * optionally one split of it. Each image goes through the one preprocessing of `core/image`
 * (EXIF orientation, alpha over white, contain-fit, area average; `trainer/data/image-file.ts`)
 * twice from one decode: once to the model's input, once to the picture the service shows
 * ({@link THUMBNAIL_PX} px a side, colour, on white). An image that cannot be read is skipped
 * and reported by path (`CatalogBatch.skipped`), not fatal.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InputSpec } from '../../core/image/index.ts';
import { nodeImageDecoder, readImageFile, reasonOf } from '../data/image-file.ts';
import { readManifest, selectSplit, type ManifestRow } from './manifest.ts';
import type { CatalogBatch, CatalogSource } from './types.ts';

/** Side of the pictures shown for a custom catalog, in px. */
export const THUMBNAIL_PX = 96;

const THUMBNAIL: InputSpec = {
  channels: 3,
  height: THUMBNAIL_PX,
  width: THUMBNAIL_PX,
  invert: false,
};

/** Options of {@link folderCatalog}. */
export interface FolderCatalogOptions {
  /** Only the rows of these splits (manifest.ts `selectSplit`); every row when absent. */
  split?: readonly string[];
}

/**
 * The catalog in folder `dir`, described by the manifest file `manifestPath`. Items keep their
 * manifest `url`; without one the edge links the item image route of the catalog it serves.
 */
export async function folderCatalog(
  dir: string,
  manifestPath: string,
  options: FolderCatalogOptions = {},
): Promise<CatalogSource> {
  const text = readFileSync(manifestPath, 'utf8');
  const parsed = readManifest(text, manifestPath);
  const rows = options.split ? selectSplit(parsed.rows, options.split, manifestPath) : parsed.rows;
  const decode = await nodeImageDecoder();
  const shape = { width: THUMBNAIL_PX, height: THUMBNAIL_PX, channels: 3 as const };
  const splitNote = options.split ? `, split ${options.split.join('+')}` : '';
  return {
    name: `${manifestPath} (${rows.length} images${splitNote})`,
    ids: rows.map((r) => r.id),
    metadata: rows.map((r) => ({ category: r.category, title: r.title, imageUrl: r.url })),
    display: shape,
    ignoredColumns: parsed.ignored,
    fingerprints: [
      createHash('sha256').update(text).digest('hex'),
      imagesDigest(dir, rows),
      `split=${options.split?.join(',') ?? '*'}`,
    ],
    async batch(start, end, spec) {
      const inSize = spec.channels * spec.height * spec.width;
      const outSize = THUMBNAIL_PX * THUMBNAIL_PX * 3;
      const plane = THUMBNAIL_PX * THUMBNAIL_PX;
      const out: CatalogBatch = {
        input: new Float32Array((end - start) * inSize),
        display: new Uint8Array((end - start) * outSize),
        skipped: [],
      };
      for (let i = start; i < end; i++) {
        const { path, row } = rows[i];
        try {
          const read = await readImageFile(join(dir, path), decode, [spec, THUMBNAIL]);
          const [model, chw] = read.inputs;
          out.input.set(model, (i - start) * inSize);
          const shown = out.display.subarray((i - start) * outSize, (i - start + 1) * outSize);
          for (let p = 0; p < plane; p++) {
            for (let c = 0; c < 3; c++) shown[p * 3 + c] = Math.round(chw[c * plane + p] * 255);
          }
        } catch (err) {
          out.skipped?.push({ index: i, path, row, reason: reasonOf(err) });
        }
      }
      return out;
    },
  };
}

/**
 * sha256 over every image's path, size and modification time (cheap staleness check); a
 * missing image counts as such, so that adding it later makes the build stale.
 */
function imagesDigest(dir: string, rows: ManifestRow[]): string {
  const hash = createHash('sha256');
  for (const r of rows) {
    let stamp = 'missing';
    try {
      const s = statSync(join(dir, r.path));
      stamp = `${s.size}\0${s.mtimeMs}`;
    } catch {
      // an unreadable image is skipped by the build and reported there
    }
    hash.update(`${r.path}\0${stamp}\n`);
  }
  return hash.digest('hex');
}
