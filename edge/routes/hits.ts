/**
 * Search helpers shared by the routes: hits with their metadata, query vectors checked against
 * `d`, and item lookups that answer 404 for unknown ids.
 */
import type { LoadedCatalog } from '../catalog/load.ts';
import type { Hit, SearchOptions } from '../catalog/types.ts';
import { ApiError } from '../errors.ts';

/** A hit as answered: id, cosine score and the item's metadata. */
export interface HitView {
  id: string;
  score: number;
  metadata: { category?: string; title?: string; imageUrl?: string };
}

/**
 * Attaches metadata to hits. An item without an `imageUrl` of its own links the item image
 * route of the catalog that answers: `${apiBase}/items/{id}/image`.
 */
export function viewHits(catalog: LoadedCatalog, hits: Hit[], apiBase = '/v1'): HitView[] {
  return hits.map((hit) => ({
    id: hit.id,
    score: hit.score,
    metadata: metadataOf(catalog, hit, apiBase),
  }));
}

function metadataOf(catalog: LoadedCatalog, hit: Hit, apiBase: string): HitView['metadata'] {
  const { category, title, imageUrl } = catalog.index.item(hit.ordinal);
  const metadata: HitView['metadata'] = {};
  if (category !== undefined) metadata.category = category;
  if (title !== undefined) metadata.title = title;
  metadata.imageUrl = imageUrl ?? `${apiBase}/items/${encodeURIComponent(hit.id)}/image`;
  return metadata;
}

/** The ordinal of `id`, or ApiError `unknown_item` (404). */
export function ordinalOrThrow(catalog: LoadedCatalog, id: string): number {
  const ordinal = catalog.index.ordinalOf(id);
  if (ordinal === undefined) {
    throw new ApiError('unknown_item', `no item has id '${id.slice(0, 80)}'`);
  }
  return ordinal;
}

/**
 * Throws ApiError `unknown_category` (404) when `category` is given and no item has it, so that
 * a misspelt filter is an error rather than an empty answer.
 */
export function checkCategory(catalog: LoadedCatalog, category: string | undefined): void {
  if (category === undefined || catalog.index.categories.includes(category)) return;
  throw new ApiError(
    'unknown_category',
    `no item has category '${category.slice(0, 80)}'; GET /v1/categories lists them`,
  );
}

/** Neighbours of a catalog item (itself excluded); `apiBase` as in {@link viewHits}. */
export function searchById(
  catalog: LoadedCatalog,
  id: string,
  k: number,
  options: SearchOptions,
  apiBase?: string,
) {
  ordinalOrThrow(catalog, id);
  checkCategory(catalog, options.category);
  return viewHits(catalog, catalog.index.searchById(id, k, options), apiBase);
}

/**
 * Checks a query vector against `d` and normalises it to unit length.
 * @throws ApiError `invalid_vector` (422) for a wrong length, a non-finite value or norm 0
 */
export function queryVector(catalog: LoadedCatalog, values: readonly number[]): Float32Array {
  const d = catalog.index.header.d;
  if (values.length !== d) {
    throw new ApiError('invalid_vector', `the vector has ${values.length} values, d is ${d}`);
  }
  let norm = 0;
  for (const v of values) {
    if (!Number.isFinite(v))
      throw new ApiError('invalid_vector', 'the vector has a non-finite value');
    norm += v * v;
  }
  norm = Math.sqrt(norm);
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw new ApiError('invalid_vector', `the vector's norm is ${norm}; it must be finite and > 0`);
  }
  return Float32Array.from(values, (v) => v / norm);
}

/** Neighbours of a unit query vector; `apiBase` as in {@link viewHits}. */
export function searchByVector(
  catalog: LoadedCatalog,
  query: Float32Array,
  k: number,
  options: SearchOptions,
  apiBase?: string,
): HitView[] {
  checkCategory(catalog, options.category);
  return viewHits(catalog, catalog.index.search(query, k, options), apiBase);
}
