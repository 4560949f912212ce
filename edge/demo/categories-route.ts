/**
 * `GET /v1/categories`: the categories of the serving catalog with their item counts, for
 * widgets that offer a category choice (the demo page does). Counted once per catalog version
 * and kept for the isolate's life.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { catalogOf, servedCatalog, type AppEnv } from '../app.ts';
import { inEveryCatalog } from '../routes/catalog-routes.ts';
import type { LoadedCatalog } from '../catalog/load.ts';
import { errorResponses } from '../schemas.ts';

const CategoriesSchema = z
  .object({
    version: z.string(),
    categories: z.array(z.object({ name: z.string(), count: z.number().int() })),
  })
  .openapi('Categories');

const categories = createRoute({
  method: 'get',
  path: '/v1/categories',
  summary: 'The categories of the catalog and their item counts, by name',
  responses: {
    200: {
      description: 'categories',
      content: { 'application/json': { schema: CategoriesSchema } },
    },
    ...errorResponses(503),
  },
});

/** Browser and CDN cache lifetime of the category list, in seconds. */
export const CATEGORIES_MAX_AGE_SECONDS = 300;
/** Category lists kept per isolate (one per catalog version seen; the oldest goes first). */
const COUNTED_VERSIONS = 8;

/** Adds `GET /v1/categories` to `app`. */
export function registerCategoriesRoute(app: OpenAPIHono<AppEnv>): void {
  const counted = new Map<string, { name: string; count: number }[]>();
  inEveryCatalog(app).openapi(categories, async (c) => {
    const catalog = await catalogOf(c);
    const key = `${servedCatalog(c).store.prefix}/${catalog.version}`;
    let list = counted.get(key);
    if (!list) {
      list = countCategories(catalog);
      counted.set(key, list);
      if (counted.size > COUNTED_VERSIONS) counted.delete(counted.keys().next().value as string);
    }
    c.header('Cache-Control', `public, max-age=${CATEGORIES_MAX_AGE_SECONDS}`);
    return c.json({ version: catalog.version, categories: list }, 200);
  });
}

function countCategories(catalog: LoadedCatalog): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (let ordinal = 0; ordinal < catalog.index.header.count; ordinal++) {
    const { category } = catalog.index.item(ordinal);
    if (category !== undefined) counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, count]) => ({ name, count }));
}
