/**
 * `GET /v1/items/{id}/image`: an item's picture as PNG, encoded on request from the catalog
 * version's image pack (image-pack.ts) with the jSquash PNG codec the edge already loads for
 * decoding. The pack's manifest and a few recently used shards stay in the isolate's memory,
 * keyed by catalog version, so a refresh never shows an old version's pictures.
 *
 * Pictures change only with the catalog version: the answer carries a long Cache-Control, an
 * ETag of version and id, and 304 on If-None-Match.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import encodePng from '@jsquash/png/encode.js';
import {
  catalogOf,
  INDEX_VERSION_HEADER,
  servedCatalog,
  type AppContext,
  type AppEnv,
} from '../app.ts';
import type { ArtifactSource } from '../catalog/source.ts';
import { ApiError } from '../errors.ts';
import { inEveryCatalog } from '../routes/catalog-routes.ts';
import { ordinalOrThrow } from '../routes/hits.ts';
import { errorResponses, ItemParamsSchema } from '../schemas.ts';
import { registerCategoriesRoute } from './categories-route.ts';
import {
  IMAGE_PACK_DIR,
  ImagePackManifestSchema,
  locateRecord,
  recordBytes,
  toRgba,
  type ImagePackManifest,
} from './image-pack.ts';

/** Browser cache lifetime of an item image, in seconds (1 day). */
export const IMAGE_MAX_AGE_SECONDS = 86_400;
/** CDN cache lifetime of an item image, in seconds (7 days). */
export const IMAGE_S_MAXAGE_SECONDS = 604_800;
const IMAGE_CACHE_CONTROL = [
  'public',
  `max-age=${IMAGE_MAX_AGE_SECONDS}`,
  `s-maxage=${IMAGE_S_MAXAGE_SECONDS}`,
].join(', ');
/** Image shards kept in memory per isolate (1 MiB each at most). */
export const CACHED_IMAGE_SHARDS = 16;

const image = createRoute({
  method: 'get',
  path: '/v1/items/{id}/image',
  summary: "An item's picture as PNG (long-cached; changes only with the catalog version)",
  request: { params: ItemParamsSchema },
  responses: {
    200: { description: 'PNG image', content: { 'image/png': { schema: { type: 'string' } } } },
    304: { description: 'not modified (If-None-Match matched the ETag)' },
    ...errorResponses(400, 404, 503),
  },
});

/**
 * Adds the item image route to `app`, and the category list the demo widget offers
 * (categories-route.ts); their caches live as long as the app (one isolate).
 */
export function registerItemImageRoute(app: OpenAPIHono<AppEnv>): void {
  registerCategoriesRoute(app);
  const packs = new PackCache();
  inEveryCatalog(app).openapi(image, async (c) => {
    const catalog = await catalogOf(c);
    const { id } = c.req.valid('param');
    const ordinal = ordinalOrThrow(catalog, id);
    const etag = `"${catalog.version}.${ordinal}"`;
    const headers = {
      ETag: etag,
      'Cache-Control': IMAGE_CACHE_CONTROL,
      [INDEX_VERSION_HEADER]: catalog.version,
    };
    if (c.req.header('If-None-Match')?.includes(etag)) return c.body(null, 304, headers);
    const base = `${servedCatalog(c).store.prefix}/${catalog.version}`;
    const source = sourceOf(c);
    const timing = c.get('timing');
    const pixels = await timing.time('image', () => packs.read(source, base, ordinal));
    await c.get('deps').decoder(); // instantiates the PNG codec the encoder shares
    const png = await timing.time('encode', () =>
      encodePng({ ...pixels, data: toRgba(pixels), colorSpace: 'srgb' }),
    );
    return c.body(png, 200, { ...headers, 'Content-Type': 'image/png' });
  });
}

/** The worker's injected artifact source (assets or R2, as configured), shared with the catalog. */
function sourceOf(c: AppContext): ArtifactSource {
  return c.get('deps').source;
}

/** Pack manifests by version and the most recently used shards (a small LRU). */
class PackCache {
  private readonly manifests = new Map<string, Promise<ImagePackManifest>>();
  private readonly shards = new Map<string, Promise<Uint8Array>>();

  /** The pixels of `ordinal` in the pack under `base` (`<prefix>/<version>`). */
  async read(source: ArtifactSource, base: string, ordinal: number) {
    const pack = await this.manifest(source, base);
    const [shard, offset] = locateRecord(pack, ordinal);
    const bytes = await this.shard(source, `${base}/${pack.shards[shard].path}`);
    const size = recordBytes(pack);
    if (offset + size > bytes.length) {
      throw new ApiError('service_unavailable', `${base}: image shard ${shard} is truncated`);
    }
    const data = bytes.subarray(offset, offset + size);
    return { width: pack.width, height: pack.height, channels: pack.channels, data };
  }

  private manifest(source: ArtifactSource, base: string): Promise<ImagePackManifest> {
    let found = this.manifests.get(base);
    if (!found) {
      found = readPackManifest(source, base);
      found.catch(() => this.manifests.delete(base));
      this.manifests.set(base, found);
    }
    return found;
  }

  private shard(source: ArtifactSource, path: string): Promise<Uint8Array> {
    let found = this.shards.get(path);
    if (found) {
      this.shards.delete(path);
    } else {
      found = source.get(path).then((bytes) => {
        if (bytes === null) throw new ApiError('service_unavailable', `${path} is missing`);
        return bytes;
      });
      found.catch(() => this.shards.delete(path));
    }
    this.shards.set(path, found);
    while (this.shards.size > CACHED_IMAGE_SHARDS) {
      this.shards.delete(this.shards.keys().next().value as string);
    }
    return found;
  }
}

async function readPackManifest(source: ArtifactSource, base: string) {
  const path = `${base}/${IMAGE_PACK_DIR}/manifest.json`;
  const bytes = await source.get(path);
  if (bytes === null) {
    throw new ApiError('not_found', `this catalog version has no item images (${path})`);
  }
  const parsed = ImagePackManifestSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError('service_unavailable', `${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
