/**
 * The Hono app: routes, validation hooks, CORS, Server-Timing, the index version header and the
 * one error handler. Everything that does I/O or holds state is passed in ({@link EdgeDeps}), so
 * tests and other runtimes supply their own.
 *
 * The default catalog answers at `/v1/…`; each named catalog (`CATALOGS`) answers the same
 * routes, with the same handlers, at `/v1/catalogs/{name}/…` (routes/catalog-routes.ts).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { ImageDecoder } from '../core/image/index.ts';
import { CatalogUnavailableError, type CatalogStore } from './catalog/store.ts';
import type { LoadedCatalog, LoadedModel } from './catalog/load.ts';
import type { ArtifactSource } from './catalog/source.ts';
import type { EdgeConfig } from './config.ts';
import { registerItemImageRoute } from './demo/image-route.ts';
import { ApiError, errorBody, handleError } from './errors.ts';
import { registerItemRoutes } from './routes/items.ts';
import { registerMetaRoutes } from './routes/meta.ts';
import { registerCatalogListRoute } from './routes/catalog-routes.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { ServerTiming } from './timing.ts';

/** Response header naming the catalog version that answered. */
export const INDEX_VERSION_HEADER = 'X-Index-Version';

/** What the app needs from its runtime. */
export interface EdgeDeps {
  config: EdgeConfig;
  /** The default catalog, served at `/v1/…`. */
  store: CatalogStore;
  /** Named catalogs, served at `/v1/catalogs/{name}/…`, by name. */
  catalogs?: ReadonlyMap<string, CatalogStore>;
  /** Where the catalog's files are read (the store's source), for routes that read more. */
  source: ArtifactSource;
  /** The image decoder, instantiated on first use. */
  decoder(): Promise<ImageDecoder>;
  /** The edge cache for similar-items answers (`caches.default`), if any. */
  cache(): Promise<Cache | undefined>;
}

/** The catalog a request addresses: its store and the base path of its routes. */
export interface ServedCatalog {
  store: CatalogStore;
  /** `/v1` for the default catalog, `/v1/catalogs/{name}` for a named one. */
  apiBase: string;
}

/** Hono environment of the app: per-request variables. */
export interface AppEnv {
  Variables: { timing: ServerTiming; deps: EdgeDeps; served?: ServedCatalog };
}

/** Context of a route handler. */
export type AppContext = Context<AppEnv>;

/** Builds the app over `deps`. */
export function createApp(deps: EdgeDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(handleError);
  // Answered, not thrown: methodNotAllowed turns a plain 404 of a known path into a 405.
  app.notFound((c) =>
    c.json(
      errorBody('not_found', `no route ${c.req.method} ${c.req.path}; see /openapi.json`),
      404,
    ),
  );
  app.use(corsFromAllowlist(deps.config.corsOrigins));
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('timing', new ServerTiming());
    await next();
    const header = c.get('timing').header();
    if (header !== '') c.res.headers.set('Server-Timing', header);
  });
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, allowed) => {
        throw new ApiError('method_not_allowed', `${c.req.method} is not allowed here`, {
          Allow: allowed.join(', '),
        });
      },
    }),
  );
  registerMetaRoutes(app);
  registerCatalogListRoute(app);
  registerItemRoutes(app);
  registerItemImageRoute(app);
  registerSearchRoutes(app);
  return app;
}

/**
 * The catalog the request addresses: the default one, or the one named by the route's
 * `{catalog}` parameter.
 * @throws ApiError `unknown_catalog` (404) for a name that is not configured
 */
export function servedCatalog(c: AppContext): ServedCatalog {
  const known = c.get('served');
  if (known) return known;
  const { store, catalogs } = c.get('deps');
  const name = (c.req.param() as Record<string, string | undefined>).catalog;
  let served: ServedCatalog;
  if (name === undefined) served = { store, apiBase: '/v1' };
  else {
    const named = catalogs?.get(name);
    if (!named) {
      throw new ApiError(
        'unknown_catalog',
        `no catalog is named '${name.slice(0, 40)}'; GET /v1/catalogs lists them`,
      );
    }
    served = { store: named, apiBase: `/v1/catalogs/${name}` };
  }
  c.set('served', served);
  return served;
}

/**
 * The serving version of the catalog the request addresses, and the index version header on
 * the response.
 * @throws ApiError `unknown_catalog` (404), or `service_unavailable` (503) while no catalog
 *   version could be loaded
 */
export async function catalogOf(c: AppContext): Promise<LoadedCatalog> {
  const { store } = servedCatalog(c);
  let catalog: LoadedCatalog;
  try {
    const waitUntil = executionWaitUntil(c);
    catalog = await store.current(waitUntil);
  } catch (err) {
    if (err instanceof CatalogUnavailableError) {
      throw new ApiError('service_unavailable', `no catalog is loaded: ${err.message}`, {
        'Retry-After': '5',
      });
    }
    throw err;
  }
  c.header(INDEX_VERSION_HEADER, catalog.version);
  return catalog;
}

/**
 * The encoder of `catalog`, loading it on first use.
 * @throws ApiError `service_unavailable` (503) when the model cannot be loaded
 */
export async function modelOf(catalog: LoadedCatalog): Promise<LoadedModel> {
  try {
    return await catalog.model();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ApiError('service_unavailable', `the model cannot be loaded: ${message}`, {
      'Retry-After': '5',
    });
  }
}

/** `ctx.waitUntil` when the app runs in a Worker; undefined in plain `app.request` calls. */
export function executionWaitUntil(c: AppContext): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined;
  }
}

function validationHook(
  result: { target: string; success: boolean; error?: { issues: ValidationIssue[] } },
  _c: Context,
): void {
  if (result.success) return;
  const issue = result.error?.issues[0];
  const where = issue ? [result.target, ...issue.path].join('.') : result.target;
  const message = `${where}: ${issue?.message ?? 'invalid'}`;
  throw new ApiError(result.target === 'json' ? 'invalid_body' : 'invalid_parameter', message);
}

interface ValidationIssue {
  path: PropertyKey[];
  message: string;
}

function corsFromAllowlist(origins: string[]) {
  const any = origins.includes('*');
  return cors({
    origin: (origin) => (any ? '*' : origins.includes(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowHeaders: ['Content-Type', 'If-None-Match'],
    exposeHeaders: [INDEX_VERSION_HEADER, 'Server-Timing', 'ETag'],
    maxAge: 86400,
  });
}
