/**
 * A catalog to index: its items' ids and metadata, and for any range of items their model input
 * and the pixels the service shows. The default catalog is Fashion-MNIST (fashion-mnist.ts); a
 * shop's own catalog is a folder of images with a manifest (folder.ts).
 */
import type { InputSpec } from '../../core/image/index.ts';
import type { ItemMetadata } from '../../core/index/index.ts';
import type { PackedImage } from '../../edge/demo/image-pack.ts';
import type { SkippedImage } from '../data/image-file.ts';

/** Size of the pictures a catalog shows: every item's picture has this shape. */
export type DisplayShape = Pick<PackedImage, 'width' | 'height' | 'channels'>;

/** Model input and shown pixels of a range of items. */
export interface CatalogBatch {
  /** Float32Array, size n·C·H·W (NCHW), values in [0, 1], as the model takes them. */
  input: Float32Array;
  /** Uint8Array, size n·width·height·channels of {@link DisplayShape}, as the service shows. */
  display: Uint8Array;
  /**
   * Items of the range that could not be read (`index`: the item's index in the catalog);
   * their input and display are zeros, and the build leaves them out.
   */
  skipped?: Array<SkippedImage & { index: number }>;
}

/** A catalog ready to be embedded and indexed. */
export interface CatalogSource {
  /** What it is, for logs: "Fashion-MNIST (70,000 images)" or the manifest's path. */
  name: string;
  /** Item ids, unique and stable across builds; size count. */
  ids: string[];
  /** Metadata by item, same order as ids. */
  metadata: ItemMetadata[];
  display: DisplayShape;
  /** Manifest columns nobody reads, for the build to mention. */
  ignoredColumns?: string[];
  /** sha256 of each input file (data files, manifest), for staleness stamps. */
  fingerprints: string[];
  /** Items [start, end) prepared for a model whose input is `spec`. */
  batch(start: number, end: number, spec: InputSpec): Promise<CatalogBatch>;
}
