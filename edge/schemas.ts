/**
 * The request and response schemas: the same zod objects validate requests and generate the
 * OpenAPI 3.1 document at `/openapi.json`.
 */
import { z } from '@hono/zod-openapi';
import { DEFAULT_K, MAX_K } from './config.ts';

/** Longest item id accepted, in characters. */
export const MAX_ID_CHARS = 256;
/** Longest category name accepted, in characters. */
export const MAX_CATEGORY_CHARS = 64;
/** Longest vector accepted before its length is compared with `d`. */
export const MAX_VECTOR_LENGTH = 4096;

/** k of a JSON body: a JSON number (a string such as "3" is refused, not read as 3). */
const kRange = z.number().int().min(1).max(MAX_K);
const kDoc = { description: `neighbours to return, 1–${MAX_K}`, example: DEFAULT_K };
/** k of a query string: digits, given once (`?k=2&k=3` is refused, not read as NaN). */
const queryK = z
  .string({
    error: (issue) =>
      Array.isArray(issue.input) ? 'k must be given once' : 'k must be a whole number',
  })
  .regex(/^[0-9]{1,4}$/, 'k must be a whole number')
  .transform(Number)
  .pipe(kRange)
  .default(DEFAULT_K)
  .openapi({ ...kDoc, type: 'integer' });
const k = kRange.default(DEFAULT_K).openapi(kDoc);
/** A batch query's own k: no default, so that the batch's k applies. */
const ownK = kRange.optional().openapi({ description: "this query's k (default: the batch's)" });

const category = z
  .string()
  .min(1)
  .max(MAX_CATEGORY_CHARS)
  .optional()
  .openapi({ description: 'only items of this category', example: 'Sneaker' });

/** `?k=&category=` of the search routes. */
export const SearchQuerySchema = z.object({ k: queryK, category });

/** `?k=&category=&embedding=` of the image search: `embedding=true` returns the vector too. */
export const ImageSearchQuerySchema = SearchQuerySchema.extend({
  embedding: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .openapi({ description: "also return the photo's embedding (d numbers)", example: 'false' }),
});

/** `{id}` of the item routes. */
export const ItemParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(MAX_ID_CHARS)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'test-00000' }),
});

/** Metadata of a catalog item. */
export const MetadataSchema = z
  .object({
    category: z.string().optional(),
    title: z.string().optional(),
    imageUrl: z.string().optional(),
  })
  .openapi('Metadata');

/** One neighbour. */
export const HitSchema = z
  .object({
    id: z.string(),
    score: z.number().openapi({ description: 'cosine similarity to the query, in [-1, 1]' }),
    metadata: MetadataSchema,
  })
  .openapi('Hit');

/** The answer of every search. */
export const SearchResultSchema = z
  .object({
    version: z.string().openapi({ description: 'catalog version that answered' }),
    k: z.number().int(),
    hits: z.array(HitSchema),
    embedding: z
      .array(z.number())
      .optional()
      .openapi({ description: 'the query embedding, when asked for with embedding=true' }),
  })
  .openapi('SearchResult');

/** A catalog item. */
export const ItemSchema = z
  .object({ id: z.string(), metadata: MetadataSchema, version: z.string() })
  .openapi('Item');

const vector = z
  .array(z.number().finite())
  .min(1)
  .max(MAX_VECTOR_LENGTH)
  .openapi({ description: 'a query embedding of length d (normalised by the service)' });

/** Body of `POST /v1/search/vector`. */
export const VectorSearchSchema = z
  .object({ vector, k, category })
  .strict()
  .openapi('VectorSearch');

/** One query of a batch: an item id or a vector, with optional own k and category. */
export const BatchQuerySchema = z
  .union([
    z.object({ id: z.string().min(1).max(MAX_ID_CHARS), k: ownK, category }).strict(),
    z.object({ vector, k: ownK, category }).strict(),
  ])
  .openapi('BatchQuery');

/** Body of `POST /v1/search/batch`; the query limit is checked against the configuration. */
export const BatchSearchSchema = z
  .object({ queries: z.array(BatchQuerySchema).min(1), k, category })
  .strict()
  .openapi('BatchSearch');

/** The JSON error body of every 4xx and 5xx answer. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'unknown_item' }),
      message: z.string().openapi({ example: "no item has id 'x'" }),
    }),
  })
  .openapi('Error');

/** One answer of a batch: hits, or the error of that query alone. */
export const BatchResultSchema = z
  .object({
    version: z.string(),
    results: z.array(
      z.union([z.object({ k: z.number().int(), hits: z.array(HitSchema) }), ErrorSchema]),
    ),
  })
  .openapi('BatchResult');

/** `GET /v1/index`. */
export const IndexInfoSchema = z
  .object({
    version: z.string(),
    count: z.number().int(),
    d: z.number().int(),
    M: z.number().int(),
    nbits: z.number().int(),
    nlist: z.number().int().optional(),
    modelSha256: z.string(),
    builtAt: z.string(),
    indexFormat: z.union([z.string(), z.number()]),
    input: z.object({
      channels: z.number().int(),
      height: z.number().int(),
      width: z.number().int(),
      invert: z.boolean(),
    }),
  })
  .openapi('IndexInfo');

/** `GET /healthz`. */
export const HealthSchema = z
  .object({ status: z.literal('ok'), version: z.string() })
  .openapi('Health');

/** Error responses shared by routes, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: 'error', content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  );
