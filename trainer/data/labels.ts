/**
 * Fashion-MNIST labels, for evaluation code only. The training modules never import this file
 * (test/trainer/no-labels.test.ts checks their import graph).
 */
import { IDX_MAGIC_LABELS, IdxFormatError, readIdxGz } from './idx.ts';
import { FASHION_MNIST_COUNTS, FASHION_MNIST_FILES, type Split } from './fashion-mnist.ts';
import { join } from 'node:path';

/** Number of classes, labels 0–9 (0 T-shirt/top … 9 Ankle boot). */
export const FASHION_MNIST_CLASSES = 10;

/** Class names by label. */
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/**
 * Loads the labels of one split from `dir`: Uint8Array of length `count` (60,000 or 10,000, or
 * `limit`), values 0–9, in the same order as the images. Checks magic (2049), count and range.
 */
export function loadLabels(dir: string, split: Split, options: { limit?: number } = {}) {
  const file = join(
    dir,
    split === 'train' ? FASHION_MNIST_FILES.trainLabels : FASHION_MNIST_FILES.testLabels,
  );
  const idx = readIdxGz(file, IDX_MAGIC_LABELS);
  const total = idx.dims[0];
  if (idx.dims.length !== 1 || total !== FASHION_MNIST_COUNTS[split]) {
    throw new IdxFormatError(
      file,
      `shape ${idx.dims.join('×')}, the ${split} split has ` +
        `${FASHION_MNIST_COUNTS[split]} labels`,
    );
  }
  const labels = idx.data.slice(0, Math.min(options.limit ?? total, total));
  const bad = labels.findIndex((l) => l >= FASHION_MNIST_CLASSES);
  if (bad >= 0) {
    throw new IdxFormatError(file, `label ${labels[bad]} at index ${bad} is not in 0–9`);
  }
  return labels;
}
