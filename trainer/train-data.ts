/**
 * The images a training run learns from, and what its manifest records about them: the
 * Fashion-MNIST training split (the default), or the images of a catalog folder (`--catalog`,
 * optionally one `--split`, RGB at `--size` px; trainer/data/folder-images.ts). Images only:
 * neither source hands a label to the trainer.
 */
import { resolve } from 'node:path';
import type { PreprocessSpec } from '../core/model/manifest.ts';
import { loadImages, locateFashionMnist } from './data/fashion-mnist.ts';
import { loadFolderImages, locateManifest } from './data/folder-images.ts';
import type { SkippedImage } from './data/image-file.ts';
import type { TrainingImages } from './train.ts';

/** Side of a catalog folder's training images when `--size` is not given, px. */
export const DEFAULT_FOLDER_SIZE_PX = 64;

/** How a catalog folder's photos become model input: RGB, fitted on white, not inverted. */
export const FOLDER_PREPROCESS: PreprocessSpec = {
  fit: 'contain',
  background: 'white',
  invert: false,
  gray: 'bt601',
};

/** Where the images come from (the options of `npm run train` that choose them). */
export interface DataOptions {
  /** Fashion-MNIST directory; undefined: the default places. */
  data?: string;
  /** A catalog folder of images with a manifest; Fashion-MNIST when absent. */
  catalog?: string;
  /** The manifest of `catalog` (default: searched in the folder). */
  manifest?: string;
  /** Only these splits of the catalog's manifest. */
  split?: string[];
  /** Side of the catalog's square training images, px. */
  size?: number;
  /** Use only the first N images. */
  limit?: number;
}

/** The identity of the training data: `--resume` refuses a checkpoint of other data. */
export interface DataIdentity {
  file: string;
  sha256: string;
  count: number;
}

/** Images to train on, their identity, and the rest of what the manifest says about them. */
export interface TrainingData {
  images: TrainingImages;
  identity: DataIdentity;
  /** Extra fields of the manifest's `data` block (layout, catalog, split, skipped images). */
  details: { layout: string; skipped?: number; [field: string]: unknown };
  /** Preprocessing the exported model needs (manifest `preprocess`); none for Fashion-MNIST. */
  preprocess?: PreprocessSpec;
  /** Pixel value a shift or zoom uncovers: the images' background (augment `fill`). */
  fill: number;
  /** Images that could not be read and were left out. */
  skipped: SkippedImage[];
}

/** Loads the images the options name; `onProgress` sees the decoding of a catalog folder. */
export async function loadTrainingData(
  options: DataOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<TrainingData> {
  if (options.catalog === undefined) {
    const set = loadImages(locateFashionMnist(options.data), 'train', { limit: options.limit });
    const { pixels, count, height, width, channels } = set;
    return {
      images: { pixels, count, height, width, channels },
      identity: { file: set.file, sha256: set.sha256, count },
      details: { layout: 'NHWC float32 in [0, 1], pixel = byte / 255' },
      fill: 0,
      skipped: [],
    };
  }
  const manifest = locateManifest(options.catalog, options.manifest);
  const set = await loadFolderImages(options.catalog, manifest, {
    split: options.split,
    size: options.size ?? DEFAULT_FOLDER_SIZE_PX,
    limit: options.limit,
    onProgress,
  });
  const { pixels, count, height, width, channels } = set;
  return {
    images: { pixels, count, height, width, channels },
    identity: { file: set.file, sha256: set.sha256, count },
    details: {
      layout:
        'NHWC float32 RGB in [0, 1]: core/image preprocessing (EXIF orientation, alpha over ' +
        'white, contain-fit padded with white, area average)',
      sha256Of: 'the lines "path<TAB>sha256 of the file" of the images kept, in order',
      catalog: resolve(options.catalog),
      split: options.split ?? null,
      skipped: set.skipped.length,
      skippedImages: set.skipped,
    },
    preprocess: FOLDER_PREPROCESS,
    fill: 1,
    skipped: set.skipped,
  };
}
