/**
 * Training images from a catalog folder: the images its manifest names (optionally one split),
 * each read through the preprocessing the edge applies to uploads (`image-file.ts`), in the
 * training layout of docs/design.md: Float32Array NHWC, RGB, values in [0, 1], on white.
 *
 * Only the paths of the manifest are kept: its categories, titles and urls are dropped as soon
 * as it is parsed, so nothing here can hand a label to the trainer
 * (test/trainer/no-labels.test.ts trains twice on manifests that differ only in their
 * categories and gets the same weights). An image that cannot be read is skipped and reported
 * with its path and reason; the run fails only when no image is left.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { InputSpec } from '../../core/image/index.ts';
import { readManifest, selectSplit } from '../catalog/manifest.ts';
import { nodeImageDecoder, readImageFile, reasonOf, type SkippedImage } from './image-file.ts';

/** Manifest names looked for in a catalog folder, in order, when none is given. */
export const MANIFEST_NAMES = ['manifest.csv', 'manifest.jsonl', 'catalog.csv', 'catalog.jsonl'];
/** Channels of a folder catalog's model input: RGB. */
export const FOLDER_CHANNELS = 3;

/** Finds the manifest of `dir`: `manifest` when given, else the first of MANIFEST_NAMES. */
export function locateManifest(dir: string, manifest?: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`--catalog ${dir}: not a folder; pass the folder holding images + manifest`);
  }
  if (manifest !== undefined) {
    const path = resolve(dir, manifest);
    if (!existsSync(path)) throw new Error(`--manifest ${manifest}: no such file (${path})`);
    return path;
  }
  const found = MANIFEST_NAMES.map((n) => resolve(dir, n)).find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(
      `--catalog ${dir}: no manifest; add one of ${MANIFEST_NAMES.join(', ')} ` +
        '(columns id, path, category, title, url) or pass --manifest FILE',
    );
  }
  return found;
}

/** The model input of a folder catalog at `size` px a side: RGB, white padding, no inversion. */
export function folderInputSpec(size: number): InputSpec {
  return { channels: FOLDER_CHANNELS, height: size, width: size, invert: false };
}

/** Options of {@link loadFolderImages}. */
export interface FolderImagesOptions {
  /** Splits to keep (`selectSplit` of the manifest); every row when absent. */
  split?: readonly string[];
  /** Side of the square model input, px. */
  size: number;
  /** Only the first `limit` rows (after the split). */
  limit?: number;
  /** Progress: images read so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
}

/** Images of a catalog folder in the training layout: no labels. */
export interface FolderImageSet {
  /** Float32Array, size `count * height * width * channels`, NHWC row-major, in [0, 1]. */
  pixels: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** The manifest read. */
  file: string;
  /**
   * sha256 (hex) of the lines `path<TAB>sha256 of the file<LF>` of the images kept, in order:
   * the identity of the training data, which no category or title enters.
   */
  sha256: string;
  /** Paths of the images kept, in order (relative to the folder). */
  paths: string[];
  /** Images that could not be read. */
  skipped: SkippedImage[];
}

/**
 * Reads the images of the catalog folder `dir` named by its manifest `manifestPath`.
 * @throws Error when the manifest is bad, the split is empty, or no image can be read
 */
export async function loadFolderImages(
  dir: string,
  manifestPath: string,
  options: FolderImagesOptions,
): Promise<FolderImageSet> {
  const { rows: all } = readManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const chosen = options.split ? selectSplit(all, options.split, manifestPath) : all;
  // Paths and row numbers only, from here on.
  const items = chosen.slice(0, options.limit ?? chosen.length).map(({ path, row }) => ({
    path,
    row,
  }));
  const spec = folderInputSpec(options.size);
  const size = spec.channels * spec.height * spec.width;
  const plane = spec.height * spec.width;
  const decode = await nodeImageDecoder();
  const pixels = new Float32Array(items.length * size);
  const digest = createHash('sha256');
  const paths: string[] = [];
  const skipped: SkippedImage[] = [];
  for (const [i, item] of items.entries()) {
    try {
      const { bytes, inputs } = await readImageFile(join(dir, item.path), decode, [spec]);
      const chw = inputs[0];
      const out = pixels.subarray(paths.length * size, (paths.length + 1) * size);
      for (let p = 0; p < plane; p++) {
        for (let c = 0; c < spec.channels; c++) out[p * spec.channels + c] = chw[c * plane + p];
      }
      digest.update(`${item.path}\t${createHash('sha256').update(bytes).digest('hex')}\n`);
      paths.push(item.path);
    } catch (err) {
      skipped.push({ ...item, reason: reasonOf(err) });
    }
    options.onProgress?.(i + 1, items.length);
  }
  if (paths.length === 0) {
    throw new Error(
      `${manifestPath}: none of its ${items.length} images can be read ` +
        `(first: ${skipped[0]?.path}: ${skipped[0]?.reason})`,
    );
  }
  return {
    pixels: pixels.slice(0, paths.length * size),
    count: paths.length,
    height: spec.height,
    width: spec.width,
    channels: spec.channels,
    file: manifestPath,
    sha256: digest.digest('hex'),
    paths,
    skipped,
  };
}
