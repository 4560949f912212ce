/**
 * Fashion-MNIST images: where the files are, and how they become training tensors.
 *
 * Pixel layout (docs/design.md): Float32Array of size `count * height * width * channels`,
 * NHWC row-major, value = byte / 255 in [0, 1], light garment on a black background, exactly as
 * stored in the IDX file. Labels are deliberately not here: only evaluation code reads them,
 * through `trainer/data/labels.ts`, so that the trainer cannot reach them.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDX_MAGIC_IMAGES, IdxFormatError, readIdxGz } from './idx.ts';

/** The two splits of Fashion-MNIST. */
export type Split = 'train' | 'test';

/** Image count of each split in the final (2017-08-31) release. */
export const FASHION_MNIST_COUNTS: Record<Split, number> = { train: 60_000, test: 10_000 };
/** Side of a Fashion-MNIST image, px. */
export const FASHION_MNIST_SIDE_PX = 28;

/** File names of the four original files, as published. */
export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Directories searched when no `--data DIR` is given, in order. */
export const DEFAULT_DATA_DIRS: readonly string[] = [
  resolve(repoRoot, '..', 'shared', 'data', 'fashion-mnist'),
  '/usr/share/datasets/fashion-mnist',
];

/** A set of images in the training layout. */
export interface ImageSet {
  /** Float32Array, size `count * height * width * channels`, NHWC row-major, values in [0, 1]. */
  pixels: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Path of the source file. */
  file: string;
  /** sha256 (hex) of the source file's bytes as stored (the `.gz`). */
  sha256: string;
}

/** The path of a split's image file inside `dir`. */
export function imagesPath(dir: string, split: Split): string {
  return join(
    dir,
    split === 'train' ? FASHION_MNIST_FILES.trainImages : FASHION_MNIST_FILES.testImages,
  );
}

/**
 * Finds the Fashion-MNIST directory: `dir` when given (it must hold the files), else the first
 * of `candidates` that holds the training images. Throws an error that says how to get them.
 */
export function locateFashionMnist(dir?: string, candidates = DEFAULT_DATA_DIRS): string {
  if (dir !== undefined) {
    const path = imagesPath(dir, 'train');
    if (!existsSync(path)) {
      throw new Error(
        `--data ${dir}: no ${FASHION_MNIST_FILES.trainImages} there; ` +
          'the directory must hold the four original Fashion-MNIST .gz files',
      );
    }
    return resolve(dir);
  }
  const found = candidates.find((c) => existsSync(imagesPath(c, 'train')));
  if (found === undefined) {
    throw new Error(
      `Fashion-MNIST not found (looked in ${candidates.join(', ')}). ` +
        'Get it with `npm run data` (downloads into ../shared/data/fashion-mnist), or ' +
        '`apt-get install dataset-fashion-mnist`, or pass --data DIR',
    );
  }
  return found;
}

/** sha256 (hex) of a byte array. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Loads the images of one split from `dir` as float32 NHWC in [0, 1] (see `ImageSet`); with
 * `limit`, only the first `limit` images. Checks the magic number (2051), the count (60,000 or
 * 10,000), the 28×28 size and the file length; errors name the file and the fault.
 */
export function loadImages(dir: string, split: Split, options: { limit?: number } = {}): ImageSet {
  const file = imagesPath(dir, split);
  const idx = readIdxGz(file, IDX_MAGIC_IMAGES);
  if (idx.dims.length !== 3) {
    throw new IdxFormatError(file, `${idx.dims.length} dimensions, images have 3`);
  }
  const [total, height, width] = idx.dims;
  if (total !== FASHION_MNIST_COUNTS[split]) {
    throw new IdxFormatError(
      file,
      `holds ${total} images, the ${split} split has ` + `${FASHION_MNIST_COUNTS[split]}`,
    );
  }
  if (height !== FASHION_MNIST_SIDE_PX || width !== FASHION_MNIST_SIDE_PX) {
    throw new IdxFormatError(
      file,
      `images are ${height}×${width} px, Fashion-MNIST's are ` +
        `${FASHION_MNIST_SIDE_PX}×${FASHION_MNIST_SIDE_PX}`,
    );
  }
  const limit = options.limit ?? total;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`limit=${limit} must be a positive integer`);
  }
  const count = Math.min(limit, total);
  const pixels = new Float32Array(count * height * width);
  for (let i = 0; i < pixels.length; i++) pixels[i] = idx.data[i] / 255;
  return { pixels, count, height, width, channels: 1, file, sha256: sha256Hex(idx.gz) };
}
