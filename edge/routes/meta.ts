/**
 * Routes about the service: `GET /healthz`, `GET /v1/index` and the OpenAPI document at
 * `GET /openapi.json`.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { catalogOf, type AppEnv } from '../app.ts';
import { inEveryCatalog } from './catalog-routes.ts';
import { errorResponses, HealthSchema, IndexInfoSchema } from '../schemas.ts';

const health = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: 200 once a catalog version is loaded',
  responses: {
    200: { description: 'ok', content: { 'application/json': { schema: HealthSchema } } },
    ...errorResponses(503),
  },
});

const indexInfo = createRoute({
  method: 'get',
  path: '/v1/index',
  summary: 'The serving catalog: version, count, d, M, nbits, model sha256, build time',
  responses: {
    200: { description: 'index', content: { 'application/json': { schema: IndexInfoSchema } } },
    ...errorResponses(503),
  },
});

const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Fashion similarity',
    version: '1',
    description:
      'Visually similar catalog items: by item id, by photo or by embedding. ' +
      'Errors are `{ "error": { "code", "message" } }`.',
  },
};

/** Adds the meta routes and the OpenAPI 3.1 document to `app`. */
export function registerMetaRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(health, async (c) => {
    const catalog = await catalogOf(c);
    return c.json({ status: 'ok' as const, version: catalog.version }, 200);
  });

  inEveryCatalog(app).openapi(indexInfo, async (c) => {
    const { version, index, input } = await catalogOf(c);
    const h = index.header;
    return c.json(
      {
        version,
        count: h.count,
        d: h.d,
        M: h.M,
        nbits: h.nbits,
        nlist: h.nlist,
        modelSha256: h.modelSha256,
        builtAt: h.builtAt,
        indexFormat: h.version,
        input,
      },
      200,
    );
  });

  // Generated once per app (isolate): converting the schemas costs tens of ms.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => c.json((document ??= app.getOpenAPI31Document(OPENAPI_INFO))));
}
