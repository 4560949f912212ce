/**
 * A shop's own catalog: a folder of images (JPEG, PNG, WebP) and a manifest (manifest.ts).
 * Each image goes through the one preprocessing of `core/image` (EXIF orientation, alpha over
 * white, contain-fit, area average) twice: once to the model's input, once to the picture the
 * service shows ({@link THUMBNAIL_PX} px a side, colour, on white).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CODEC_WASM_SPECIFIERS,
  createImageDecoder,
  DEFAULT_IMAGE_LIMITS,
  pixelsToInput,
  readImageHeader,
  readOrientation,
  type ImageDecoder,
} from '../../core/image/index.ts';
import { parseManifest, type ManifestRow } from './manifest.ts';
import type { CatalogSource } from './types.ts';

/** Side of the pictures shown for a custom catalog, in px. */
export const THUMBNAIL_PX = 96;
/** Manifest names looked for in the folder, in order, when none is given. */
export const MANIFEST_NAMES = ['manifest.csv', 'manifest.jsonl', 'catalog.csv', 'catalog.jsonl'];

/** Finds the manifest of `dir`: `manifest` when given, else the first of MANIFEST_NAMES. */
export function locateManifest(dir: string, manifest?: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`--catalog ${dir}: not a folder; pass the folder holding images + manifest`);
  }
  if (manifest !== undefined) return resolve(dir, manifest);
  const found = MANIFEST_NAMES.map((n) => join(dir, n)).find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(
      `--catalog ${dir}: no manifest; add one of ${MANIFEST_NAMES.join(', ')} ` +
        '(columns id, path, category, title, url)',
    );
  }
  return found;
}

/** The catalog in folder `dir`, described by the manifest file `manifestPath`. */
export async function folderCatalog(dir: string, manifestPath: string): Promise<CatalogSource> {
  const text = readFileSync(manifestPath, 'utf8');
  const rows = parseManifest(text, manifestPath);
  for (const r of rows) {
    if (!existsSync(join(dir, r.path))) {
      throw new Error(`${manifestPath} row ${r.row}: ${r.path} does not exist in ${dir}`);
    }
  }
  const decode = await nodeImageDecoder();
  const shape = { width: THUMBNAIL_PX, height: THUMBNAIL_PX, channels: 3 as const };
  return {
    name: `${manifestPath} (${rows.length} images)`,
    ids: rows.map((r) => r.id),
    metadata: rows.map((r) => ({
      category: r.category,
      title: r.title,
      imageUrl: r.url ?? `/v1/items/${r.id}/image`,
    })),
    display: shape,
    fingerprints: [createHash('sha256').update(text).digest('hex'), imagesDigest(dir, rows)],
    async batch(start, end, spec) {
      const inSize = spec.channels * spec.height * spec.width;
      const outSize = THUMBNAIL_PX * THUMBNAIL_PX * 3;
      const input = new Float32Array((end - start) * inSize);
      const display = new Uint8Array((end - start) * outSize);
      for (let i = start; i < end; i++) {
        const row = rows[i];
        const { model, shown } = await prepare(dir, row, manifestPath, decode, spec);
        input.set(model, (i - start) * inSize);
        for (let p = 0; p < outSize; p++) display[(i - start) * outSize + p] = shown[p];
      }
      return { input, display };
    },
  };
}

async function prepare(
  dir: string,
  row: ManifestRow,
  manifestPath: string,
  decode: ImageDecoder,
  spec: Parameters<CatalogSource['batch']>[2],
) {
  const bytes = new Uint8Array(readFileSync(join(dir, row.path)));
  try {
    const header = readImageHeader(bytes, DEFAULT_IMAGE_LIMITS);
    const orientation = await readOrientation(bytes, header.format);
    const image = await decode(bytes, header.format);
    const model = pixelsToInput(image, orientation, spec);
    const thumb = {
      channels: 3,
      height: THUMBNAIL_PX,
      width: THUMBNAIL_PX,
      invert: false,
    } as const;
    const chw = pixelsToInput(image, orientation, thumb);
    const plane = THUMBNAIL_PX * THUMBNAIL_PX;
    const shown = new Uint8Array(plane * 3);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) shown[p * 3 + c] = Math.round(chw[c * plane + p] * 255);
    }
    return { model, shown };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`${manifestPath} row ${row.row}: ${row.path}: ${reason}`, { cause: err });
  }
}

/** sha256 over every image's path, size and modification time (cheap staleness check). */
function imagesDigest(dir: string, rows: ManifestRow[]): string {
  const hash = createHash('sha256');
  for (const r of rows) {
    const s = statSync(join(dir, r.path));
    hash.update(`${r.path}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** The jSquash decoders with their wasm read from node_modules. */
export async function nodeImageDecoder(): Promise<ImageDecoder> {
  const load = (spec: string) =>
    new WebAssembly.Module(readFileSync(fileURLToPath(import.meta.resolve(spec))));
  return createImageDecoder({
    jpeg: load(CODEC_WASM_SPECIFIERS.jpeg),
    png: load(CODEC_WASM_SPECIFIERS.png),
    webp: load(CODEC_WASM_SPECIFIERS.webp),
  });
}
