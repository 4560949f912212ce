/**
 * What the edge needs from the index and the encoder, as interfaces: the worker entry supplies
 * the real ones (`core/index`, `core/model`), tests may supply their own.
 */

/** One neighbour: `score` is the cosine similarity to the query. */
export interface Hit {
  ordinal: number;
  id: string;
  score: number;
}

/** Metadata of one catalog item. */
export interface ItemRecord {
  id: string;
  category?: string;
  title?: string;
  imageUrl?: string;
}

/** Search options passed through to the index. */
export interface SearchOptions {
  nprobe?: number;
  rerank?: number;
  category?: string;
}

/** The fields of the index header the edge reports and checks. */
export interface IndexHeaderView {
  version: number | string;
  d: number;
  M: number;
  nbits: number;
  nlist?: number;
  count: number;
  metric?: string;
  modelSha256: string;
  builtAt: string;
}

/** The index API of docs/design.md, as the edge uses it. */
export interface SearchableIndex {
  header: IndexHeaderView;
  /** `query`: Float32Array, size d, L2-normalised. */
  search(query: Float32Array, k: number, options?: SearchOptions): Hit[];
  /** Neighbours of a catalog item, the item itself excluded. */
  searchById(id: string, k: number, options?: SearchOptions): Hit[];
  item(ordinal: number): ItemRecord;
  ordinalOf(id: string): number | undefined;
  /** Distinct category names of the items. */
  readonly categories: readonly string[];
}

/** An encoder: `images` Float32Array, size n·C·H·W (NCHW); returns Float32Array, size n·d. */
export interface ImageEncoder {
  d: number;
  embed(images: Float32Array, n: number): Promise<Float32Array>;
}
