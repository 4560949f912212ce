/**
 * The default catalog: all 70,000 Fashion-MNIST images, the training split then the test split,
 * with stable ids `fm-train-00000`… and `fm-test-00000`…, and each image's class name as its
 * category. Images are shown as `255 − pixel` (dark garment on white); the model is fed the
 * stored pixels, which is what preprocessing that picture with `invert` gives back exactly.
 */
import type { ItemMetadata } from '../../core/index/index.ts';
import { loadImages, type Split } from '../data/fashion-mnist.ts';
import { FASHION_MNIST_CLASS_NAMES, loadLabels } from '../data/labels.ts';
import type { CatalogSource } from './types.ts';

const SPLITS: readonly Split[] = ['train', 'test'];
const SIDE_PX = 28;

/** The id of image `i` of `split`: `fm-train-00042`. */
export function fashionMnistId(split: Split, i: number): string {
  return `fm-${split}-${String(i).padStart(5, '0')}`;
}

/** Options of {@link fashionMnistCatalog}. */
export interface FashionMnistCatalogOptions {
  /** Only the first `limit` images of each split (tests; default all). */
  limit?: number;
}

/** The Fashion-MNIST catalog from the data directory `dir` (see trainer/data). */
export function fashionMnistCatalog(
  dir: string,
  options: FashionMnistCatalogOptions = {},
): CatalogSource {
  const sets = SPLITS.map((split) => ({
    split,
    images: loadImages(dir, split, { limit: options.limit }),
    labels: loadLabels(dir, split, { limit: options.limit }),
  }));
  const ids: string[] = [];
  const metadata: ItemMetadata[] = [];
  const chunks: Float32Array[] = [];
  for (const { split, images, labels } of sets) {
    chunks.push(images.pixels);
    for (let i = 0; i < images.count; i++) {
      const id = fashionMnistId(split, i);
      const category = FASHION_MNIST_CLASS_NAMES[labels[i]];
      ids.push(id);
      metadata.push({ category, title: `${category} ${id}`, imageUrl: `/v1/items/${id}/image` });
    }
  }
  const pixels = concat(chunks);
  const size = SIDE_PX * SIDE_PX;
  return {
    name: `Fashion-MNIST (${ids.length} images from ${dir})`,
    ids,
    metadata,
    display: { width: SIDE_PX, height: SIDE_PX, channels: 1 },
    fingerprints: sets.map((s) => s.images.sha256),
    async batch(start, end, spec) {
      if (spec.channels !== 1 || spec.height !== SIDE_PX || spec.width !== SIDE_PX) {
        throw new Error(
          `the model takes ${spec.channels}×${spec.height}×${spec.width} input; ` +
            `the Fashion-MNIST catalog needs a 1×${SIDE_PX}×${SIDE_PX} model`,
        );
      }
      const input = pixels.slice(start * size, end * size);
      const display = new Uint8Array(input.length);
      for (let p = 0; p < input.length; p++) display[p] = 255 - Math.round(input[p] * 255);
      if (spec.invert === false) for (let p = 0; p < input.length; p++) input[p] = 1 - input[p];
      return { input, display };
    },
  };
}

function concat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
