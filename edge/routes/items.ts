/**
 * `GET /v1/items/{id}` and `GET /v1/items/{id}/similar`. Similar-items answers depend only on
 * the URL and the catalog version, so they are cacheable: Cache-Control with max-age and
 * s-maxage, an ETag from the catalog version (304 on If-None-Match), and the Workers Cache API
 * keyed by URL and version, so a new version never serves an old answer.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  catalogOf,
  executionWaitUntil,
  INDEX_VERSION_HEADER,
  servedCatalog,
  type AppEnv,
} from '../app.ts';
import type { LoadedCatalog } from '../catalog/load.ts';
import { logEvent } from '../log.ts';
import {
  errorResponses,
  ItemParamsSchema,
  ItemSchema,
  SearchQuerySchema,
  SearchResultSchema,
} from '../schemas.ts';
import { inEveryCatalog } from './catalog-routes.ts';
import { ordinalOrThrow, searchById, viewHits } from './hits.ts';

/** Bumped when the answer's format changes, so ETags and cache keys change with it. */
export const RESPONSE_REVISION = 1;

const item = createRoute({
  method: 'get',
  path: '/v1/items/{id}',
  summary: 'One catalog item and its metadata',
  request: { params: ItemParamsSchema },
  responses: {
    200: { description: 'item', content: { 'application/json': { schema: ItemSchema } } },
    ...errorResponses(400, 404, 503),
  },
});

const similar = createRoute({
  method: 'get',
  path: '/v1/items/{id}/similar',
  summary: 'The k catalog items most similar to an item (cacheable)',
  request: { params: ItemParamsSchema, query: SearchQuerySchema },
  responses: {
    200: {
      description: 'neighbours, most similar first',
      content: { 'application/json': { schema: SearchResultSchema } },
    },
    304: { description: 'not modified (If-None-Match matched the ETag)' },
    ...errorResponses(400, 404, 503),
  },
});

/** The strong ETag of every similar-items answer of one catalog version. */
export function etagOf(catalog: LoadedCatalog): string {
  return `"${catalog.version}.r${RESPONSE_REVISION}"`;
}

/** Adds the item routes to `app`. */
export function registerItemRoutes(app: OpenAPIHono<AppEnv>): void {
  const api = inEveryCatalog(app);
  api.openapi(item, async (c) => {
    const catalog = await catalogOf(c);
    const { id } = c.req.valid('param');
    const ordinal = ordinalOrThrow(catalog, id);
    const [hit] = viewHits(catalog, [{ ordinal, id, score: 1 }], servedCatalog(c).apiBase);
    return c.json({ id, metadata: hit.metadata, version: catalog.version }, 200);
  });

  api.openapi(similar, async (c) => {
    const catalog = await catalogOf(c);
    const { config, cache: openCache } = c.get('deps');
    const etag = etagOf(catalog);
    const { cacheMaxAgeSeconds: maxAge, cacheSMaxAgeSeconds: sMaxAge } = config;
    const cacheControl = `public, max-age=${maxAge}, s-maxage=${sMaxAge}`;
    const headers = { ETag: etag, 'Cache-Control': cacheControl };
    if (matchesEtag(c.req.header('If-None-Match'), etag)) {
      return c.body(null, 304, { ...headers, [INDEX_VERSION_HEADER]: catalog.version });
    }
    const cache = await openCache();
    const key = cacheKey(c.req.url, catalog.version);
    const timing = c.get('timing');
    const cached = cache ? await timing.time('cache', () => cacheMatch(cache, key)) : undefined;
    if (cached) {
      // The stored answer holds no CORS headers; c.body adds this request's.
      const stored = withoutCorsHeaders(cached.headers);
      stored.set(INDEX_VERSION_HEADER, catalog.version);
      stored.set('X-Cache', 'hit');
      return c.body(await cached.arrayBuffer(), 200, Object.fromEntries(stored));
    }

    const { id } = c.req.valid('param');
    const { k, category } = c.req.valid('query');
    const { apiBase } = servedCatalog(c);
    const hits = await timing.time('search', () =>
      searchById(catalog, id, k, { category }, apiBase),
    );
    const response = c.json({ version: catalog.version, k, hits }, 200, headers);
    const waitUntil = executionWaitUntil(c);
    if (cache) {
      const copy = response.clone();
      const stored = cachePut(
        cache,
        key,
        new Response(copy.body, {
          status: copy.status,
          headers: withoutCorsHeaders(copy.headers),
        }),
      );
      if (waitUntil) waitUntil(stored);
      else await stored;
    }
    return response;
  });
}

/**
 * `headers` less the CORS ones (`Access-Control-*`, `Vary`): they belong to the request's
 * origin, so a cached answer must not carry one origin's headers to another.
 */
function withoutCorsHeaders(headers: Headers): Headers {
  const out = new Headers(headers);
  for (const name of [...out.keys()]) {
    if (name.startsWith('access-control-') || name === 'vary') out.delete(name);
  }
  return out;
}

/** A cache lookup; a cache that fails (or is not configured) is a miss, never an error. */
async function cacheMatch(cache: Cache, key: Request): Promise<Response | undefined> {
  try {
    return await cache.match(key);
  } catch (err) {
    logCacheFailure(err);
    return undefined;
  }
}

async function cachePut(cache: Cache, key: Request, response: Response): Promise<void> {
  try {
    await cache.put(key, response);
  } catch (err) {
    logCacheFailure(err);
  }
}

let cacheFailureLogged = false;
function logCacheFailure(err: unknown): void {
  if (cacheFailureLogged) return;
  cacheFailureLogged = true;
  const message = err instanceof Error ? err.message : String(err);
  logEvent('warn', 'edge_cache_unavailable', { message });
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

/** The Cache API key: the request URL (query sorted) plus the catalog version. */
function cacheKey(url: string, version: string): Request {
  const key = new URL(url);
  key.searchParams.sort();
  key.searchParams.set('__catalog', version);
  return new Request(key.toString(), { method: 'GET' });
}
