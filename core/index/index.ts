/**
 * The index library in one import, for the trainer's `npm run index` and for the edge:
 *
 * ```ts
 * const index = buildIndex(vectors, ids, { M: 16, refine: 'pq', refineM: 8 });
 * const bytes = writeIndex(index);
 * const again = readIndex(bytes, { kernel: createWasmKernel(scanModule) });
 * const hits = again.search(query, 10, { category: 'Sneaker' });
 * ```
 */
import { buildIndexData, type BuildOptions } from '../pq/build.ts';
import { SimilarityIndex, type IndexOptions } from '../pq/search.ts';
import { readIndexData, writeIndex as writeIndexData } from './format.ts';

export { IndexFormatError, type IndexFormatFault } from './errors.ts';
export type { BuildOptions, BuildStage } from '../pq/build.ts';
export type { IndexHeader, ItemMetadata } from '../pq/index-data.ts';
export type { RefineKind } from '../pq/refine.ts';
export { SimilarityIndex, type Hit, type IndexOptions, type SearchOptions } from '../pq/search.ts';
export { createWasmKernel } from '../pq/wasm-kernel.ts';
export { referenceKernel, type ScanKernel } from '../pq/scan.ts';

/**
 * Builds an index of `vectors` (Float32Array, size count·d, row-major, L2-normalised) with
 * item `ids` (size count); `options` sets M, nbits, OPQ, nlist, the re-rank store, the seed,
 * metadata and a progress callback, and `kernel` the scan kernel of the result.
 */
export function buildIndex(
  vectors: Float32Array,
  ids: readonly string[],
  options: BuildOptions & IndexOptions = {},
): SimilarityIndex {
  return new SimilarityIndex(buildIndexData(vectors, ids, options), options);
}

/** Serialises an index to the file format of docs/index-format.md: the whole file. */
export function writeIndex(index: SimilarityIndex): Uint8Array {
  return writeIndexData(index.data);
}

/** Reads an index file; throws IndexFormatError naming the failed check (magic, ...). */
export function readIndex(bytes: Uint8Array, options: IndexOptions = {}): SimilarityIndex {
  return new SimilarityIndex(readIndexData(bytes), options);
}
