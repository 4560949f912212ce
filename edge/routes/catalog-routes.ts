/**
 * Several catalogs from one worker. The default catalog answers at `/v1/…` as it always has;
 * every catalog named in `CATALOGS` answers the same routes at `/v1/catalogs/{catalog}/…`,
 * through the same handlers (`catalogOf` picks the store by the `{catalog}` parameter), and is
 * listed by `GET /v1/catalogs`. Both paths of a route are in the OpenAPI document.
 */
import { createRoute, z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { ZodObject, ZodRawShape } from 'zod';
import type { AppEnv } from '../app.ts';
import { CATALOG_NAME_PATTERN } from '../config.ts';
import { errorResponses } from '../schemas.ts';

/** The default catalog's name in `GET /v1/catalogs`. */
export const DEFAULT_CATALOG_NAME = 'default';

/** `{catalog}` of the named-catalog routes. */
export const CatalogParamsSchema = z.object({
  catalog: z
    .string()
    .regex(CATALOG_NAME_PATTERN, 'a catalog name: 1–32 of a-z, 0-9 and "-"')
    .openapi({ param: { name: 'catalog', in: 'path' }, example: 'clothing' }),
});

/** `route` moved under `/v1/catalogs/{catalog}/`, its path parameters extended with it. */
export function inNamedCatalog<R extends RouteConfig>(route: R): R {
  if (!route.path.startsWith('/v1/')) {
    throw new Error(`route ${route.path} is not under /v1/; only API routes move per catalog`);
  }
  const params = route.request?.params as ZodObject<ZodRawShape> | undefined;
  return createRoute({
    ...route,
    path: `/v1/catalogs/{catalog}/${route.path.slice('/v1/'.length)}`,
    summary: route.summary ? `${route.summary} (a named catalog)` : undefined,
    request: {
      ...route.request,
      params: params ? params.extend(CatalogParamsSchema.shape) : CatalogParamsSchema,
    },
  }) as R;
}

/**
 * A registrar whose `openapi(route, handler)` adds the route for the default catalog and, with
 * the same handler, for the named catalogs.
 */
export function inEveryCatalog(app: OpenAPIHono<AppEnv>): Pick<OpenAPIHono<AppEnv>, 'openapi'> {
  const openapi = ((route: RouteConfig, handler: never, hook?: never) => {
    app.openapi(route, handler, hook);
    app.openapi(inNamedCatalog(route), handler, hook);
    return app;
  }) as unknown as OpenAPIHono<AppEnv>['openapi'];
  return { openapi };
}

const CatalogListSchema = z
  .object({
    catalogs: z.array(
      z.object({
        name: z.string(),
        api: z.string().openapi({ description: 'base path of its routes', example: '/v1' }),
        version: z.string().optional(),
        count: z.number().int().optional(),
        error: z.string().optional().openapi({ description: 'why it cannot serve now' }),
      }),
    ),
  })
  .openapi('CatalogList');

const list = createRoute({
  method: 'get',
  path: '/v1/catalogs',
  summary: 'The catalogs this worker serves: the default one and the named ones',
  responses: {
    200: {
      description: 'catalogs',
      content: { 'application/json': { schema: CatalogListSchema } },
    },
    ...errorResponses(503),
  },
});

/** Adds `GET /v1/catalogs`: each catalog's name, base path, and serving version or fault. */
export function registerCatalogListRoute(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const { store, catalogs } = c.get('deps');
    const all = [
      { name: DEFAULT_CATALOG_NAME, api: '/v1', store },
      ...[...(catalogs ?? new Map())].map(([name, s]) => ({
        name,
        api: `/v1/catalogs/${name}`,
        store: s,
      })),
    ];
    const answers = await Promise.all(
      all.map(async ({ name, api, store: s }) => {
        try {
          const loaded = await s.current();
          return { name, api, version: loaded.version, count: loaded.index.header.count };
        } catch (err) {
          return { name, api, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    return c.json({ catalogs: answers }, 200);
  });
}
