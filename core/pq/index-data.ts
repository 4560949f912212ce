/**
 * The contents of a similarity index, as built by build.ts, searched by search.ts and stored by
 * core/index/format.ts. Items are stored in IVF list order: ordinal = position in the codes.
 */
import type { RefineKind, RefineStore } from './refine.ts';

/** Index format version written by this code. */
export const FORMAT_VERSION = 1;

/** What the header of an index says about it. */
export interface IndexHeader {
  /** Format version of the file ({@link FORMAT_VERSION}). */
  readonly version: number;
  /** Embedding dimension. */
  readonly d: number;
  /** Subquantizers of the PQ. */
  readonly M: number;
  /** Bits per subquantizer code. */
  readonly nbits: number;
  /** Inverted lists of the IVF coarse quantizer; 0 = flat (every item scanned). */
  readonly nlist: number;
  /** Number of items. */
  readonly count: number;
  /** Distance: squared L2 on unit vectors, reported as cosine similarity. */
  readonly metric: 'cosine';
  /** sha256 of the encoder the embeddings came from, 64 hex digits ('' if unknown). */
  readonly modelSha256: string;
  /** Build time, ISO 8601 UTC. */
  readonly builtAt: string;
  /** Whether an OPQ rotation is applied before PQ. */
  readonly opq: boolean;
  /** Kind of re-rank store ('none' when absent). */
  readonly refine: RefineKind;
  /** Subquantizers of a 'pq' re-rank store (0 for other kinds). */
  readonly refineM: number;
}

/** Optional per-item metadata. */
export interface ItemMetadata {
  category?: string;
  title?: string;
  imageUrl?: string;
}

/** Item ids and metadata, by ordinal. */
export interface ItemTable {
  /** Unique id of each item; size count. */
  readonly ids: readonly string[];
  /** Distinct category names; `categoryOf` indexes into it. */
  readonly categoryNames: readonly string[];
  /** Uint16Array, size count: index in categoryNames, or NO_CATEGORY; absent = none at all. */
  readonly categoryOf?: Uint16Array;
  /** Title of each item ('' = none); absent = none at all. */
  readonly titles?: readonly string[];
  /** Image URL of each item ('' = none); absent = none at all. */
  readonly imageUrls?: readonly string[];
}

/** Value of `categoryOf` for an item without a category. */
export const NO_CATEGORY = 0xffff;

/** Everything an index holds. Arrays are row-major. */
export interface IndexData {
  readonly header: IndexHeader;
  /** OPQ rotation, Float32Array, size d·d (x is searched as x·R); absent without OPQ. */
  readonly rotation?: Float32Array;
  /** PQ codebooks, Float32Array, size M·ksub·dsub. */
  readonly centroids: Float32Array;
  /** IVF coarse centroids, Float32Array, size nlist·d; absent when nlist = 0. */
  readonly coarse?: Float32Array;
  /** Uint32Array, size nlist + 1: list l holds ordinals [listOffsets[l], listOffsets[l+1]). */
  readonly listOffsets?: Uint32Array;
  /** PQ codes, Uint8Array, size count·codeSize (of the residual to the list centroid in IVF). */
  readonly codes: Uint8Array;
  /** Re-rank store; absent when header.refine = 'none'. */
  readonly refine?: RefineStore;
  readonly items: ItemTable;
}
