/**
 * `POST /v1/search/image` (a photo), `POST /v1/search/vector` (an embedding) and
 * `POST /v1/search/batch` (several ids and vectors in one call).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { IMAGE_MEDIA_TYPES, preprocessImage } from '../../core/image/index.ts';
import { catalogOf, modelOf, servedCatalog, type AppContext, type AppEnv } from '../app.ts';
import { mediaTypeOf, readBodyLimited, readJsonText } from '../body.ts';
import type { LoadedCatalog } from '../catalog/load.ts';
import { MAX_BATCH_QUERIES } from '../config.ts';
import { ApiError, errorBody } from '../errors.ts';
import {
  BatchResultSchema,
  BatchSearchSchema,
  errorResponses,
  ImageSearchQuerySchema,
  SearchResultSchema,
  VectorSearchSchema,
} from '../schemas.ts';
import { inEveryCatalog } from './catalog-routes.ts';
import { checkCategory, queryVector, searchById, searchByVector, type HitView } from './hits.ts';

/** Name of the multipart field that carries the photo. */
export const IMAGE_FIELD = 'image';
const RAW_IMAGE_TYPES = new Set(Object.values(IMAGE_MEDIA_TYPES));
const binary = { type: 'string', format: 'binary' } as const;

/** Reads a JSON body under the upload limit before the validator sees it. */
const jsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const text = await readJsonText(c.req.raw, c.get('deps').config.maxUploadBytes);
  // Hono's validator reads `c.req.json()`, which parses this cached text (a promise at run time).
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  await next();
};

const searchResponses = {
  200: {
    description: 'neighbours, most similar first',
    content: { 'application/json': { schema: SearchResultSchema } },
  },
};

const image = createRoute({
  method: 'post',
  path: '/v1/search/image',
  summary: 'Items similar to a photo (JPEG, PNG or WebP; raw body or multipart field "image")',
  request: {
    query: ImageSearchQuerySchema,
    body: {
      required: true,
      content: {
        'image/jpeg': { schema: binary },
        'image/png': { schema: binary },
        'image/webp': { schema: binary },
        'multipart/form-data': {
          schema: { type: 'object', properties: { [IMAGE_FIELD]: binary }, required: ['image'] },
        },
      },
    },
  },
  responses: { ...searchResponses, ...errorResponses(400, 404, 413, 415, 422, 503) },
});

const vector = createRoute({
  method: 'post',
  path: '/v1/search/vector',
  summary: 'Items nearest to an embedding of length d',
  middleware: [jsonBody],
  request: {
    body: { required: true, content: { 'application/json': { schema: VectorSearchSchema } } },
  },
  responses: { ...searchResponses, ...errorResponses(400, 404, 413, 415, 422, 503) },
});

const batch = createRoute({
  method: 'post',
  path: '/v1/search/batch',
  summary: 'Several searches by item id and/or vector in one call',
  description:
    `At most ${MAX_BATCH_QUERIES} queries by default (the MAX_BATCH_QUERIES setting); more ` +
    'is a 422 `invalid_body` error that names the limit.',
  middleware: [jsonBody],
  request: {
    body: { required: true, content: { 'application/json': { schema: BatchSearchSchema } } },
  },
  responses: {
    200: {
      description: 'one result per query, in order; a failed query carries its own error',
      content: { 'application/json': { schema: BatchResultSchema } },
    },
    ...errorResponses(400, 404, 413, 415, 422, 503),
  },
});

/** Adds the search routes to `app`. */
export function registerSearchRoutes(app: OpenAPIHono<AppEnv>): void {
  const api = inEveryCatalog(app);
  api.openapi(image, async (c) => {
    const { k, category, embedding: withEmbedding } = c.req.valid('query');
    const bytes = await readImageBody(c);
    const catalog = await catalogOf(c);
    checkCategory(catalog, category);
    const { config, decoder } = c.get('deps');
    const timing = c.get('timing');
    const model = await modelOf(catalog);
    const decode = await decoder();
    const { input } = await timing.time('decode', () =>
      preprocessImage(bytes, model.input, decode, config.imageLimits),
    );
    const embedding = await timing.time('embed', () => model.encoder.embed(input, 1));
    const { apiBase } = servedCatalog(c);
    const hits = await timing.time('search', () =>
      searchByVector(catalog, embedding, k, { category }, apiBase),
    );
    const answer = { version: catalog.version, k, hits };
    return c.json(withEmbedding ? { ...answer, embedding: Array.from(embedding) } : answer, 200);
  });

  api.openapi(vector, async (c) => {
    const body = c.req.valid('json');
    const catalog = await catalogOf(c);
    const { apiBase } = servedCatalog(c);
    const query = queryVector(catalog, body.vector);
    const options = { category: body.category };
    const hits = await c
      .get('timing')
      .time('search', () => searchByVector(catalog, query, body.k, options, apiBase));
    return c.json({ version: catalog.version, k: body.k, hits }, 200);
  });

  api.openapi(batch, async (c) => {
    const body = c.req.valid('json');
    const { maxBatchQueries } = c.get('deps').config;
    if (body.queries.length > maxBatchQueries) {
      throw new ApiError(
        'invalid_body',
        `queries has ${body.queries.length} entries, the limit is ${maxBatchQueries}`,
      );
    }
    const catalog = await catalogOf(c);
    const { apiBase } = servedCatalog(c);
    const results = await c
      .get('timing')
      .time('search', () => body.queries.map((q) => runBatchQuery(catalog, q, body, apiBase)));
    return c.json({ version: catalog.version, results }, 200);
  });
}

type BatchQuery = { id?: string; vector?: number[]; k?: number; category?: string };

function runBatchQuery(
  catalog: LoadedCatalog,
  query: BatchQuery,
  defaults: { k: number; category?: string },
  apiBase: string,
): { k: number; hits: HitView[] } | ReturnType<typeof errorBody> {
  const k = query.k ?? defaults.k;
  const options = { category: query.category ?? defaults.category };
  try {
    const hits =
      query.id !== undefined
        ? searchById(catalog, query.id, k, options, apiBase)
        : searchByVector(catalog, queryVector(catalog, query.vector ?? []), k, options, apiBase);
    return { k, hits };
  } catch (err) {
    if (err instanceof ApiError) return errorBody(err.code, err.message);
    throw err;
  }
}

/**
 * The photo's bytes: the raw body for an image Content-Type, or the multipart field `image`.
 * @throws ApiError 415 for other types, 400 when empty or the field is missing, 413 over limit
 */
async function readImageBody(c: AppContext): Promise<Uint8Array> {
  const { maxUploadBytes } = c.get('deps').config;
  const type = mediaTypeOf(c.req.header('content-type'));
  if (RAW_IMAGE_TYPES.has(type)) {
    const bytes = await readBodyLimited(c.req.raw, maxUploadBytes);
    if (bytes.length === 0) throw new ApiError('empty_body', 'the body is empty; send an image');
    return bytes;
  }
  if (type !== 'multipart/form-data') {
    throw new ApiError(
      'unsupported_media_type',
      `Content-Type is '${type || '(none)'}'; send image/jpeg, image/png, image/webp ` +
        `or multipart/form-data with a field '${IMAGE_FIELD}'`,
    );
  }
  const raw = await readBodyLimited(c.req.raw, maxUploadBytes);
  if (raw.length === 0) throw new ApiError('empty_body', 'the body is empty; send an image');
  return imageField(raw, c.req.header('content-type') ?? '');
}

async function imageField(raw: Uint8Array, contentType: string): Promise<Uint8Array> {
  let form: FormData;
  try {
    form = await new Response(raw as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': contentType },
    }).formData();
  } catch {
    throw new ApiError('invalid_body', 'the multipart body cannot be parsed');
  }
  const field = form.get(IMAGE_FIELD);
  if (field === null || typeof field === 'string') {
    throw new ApiError('missing_image', `the multipart body has no file field '${IMAGE_FIELD}'`);
  }
  const bytes = new Uint8Array(await field.arrayBuffer());
  if (bytes.length === 0) throw new ApiError('empty_body', `the field '${IMAGE_FIELD}' is empty`);
  return bytes;
}
