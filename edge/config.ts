/**
 * The worker's configuration, read once per isolate from `[vars]` in wrangler.toml (or from
 * `.dev.vars`). A bad value fails at start-up with a message that says how to fix it.
 */
import { z } from 'zod';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from '../core/image/index.ts';
import { VersionNameSchema } from './catalog/manifest.ts';

/** Largest request body accepted on any route, in bytes (10 MiB). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Browser cache lifetime of similar-items answers, in seconds. */
export const CACHE_MAX_AGE_SECONDS = 300;
/** CDN (shared cache) lifetime of similar-items answers, in seconds. */
export const CACHE_S_MAXAGE_SECONDS = 3600;
/** Most queries in one `POST /v1/search/batch`. */
export const MAX_BATCH_QUERIES = 32;
/** How often an isolate re-reads the catalog version pointer, in seconds. */
export const REFRESH_INTERVAL_SECONDS = 60;
/** Neighbours returned when `k` is not given. */
export const DEFAULT_K = 10;
/** Largest `k` accepted. */
export const MAX_K = 100;

/** A catalog name in routes (`/v1/catalogs/{name}/…`): lowercase letters, digits and `-`. */
export const CATALOG_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** A catalog served beside the default one, at `/v1/catalogs/{name}/…`. */
export interface NamedCatalogConfig {
  name: string;
  /** Path prefix of its files, like CATALOG_PREFIX (default `catalogs/<name>`). */
  prefix: string;
}

/** Where the catalog's artifacts (model, index, item images) are read from. */
export type ArtifactSourceKind = 'assets' | 'r2';

/** Parsed configuration; see wrangler.toml for each variable. */
export interface EdgeConfig {
  artifactSource: ArtifactSourceKind;
  /** Path prefix of the catalog inside the assets directory or the R2 bucket, no slashes. */
  catalogPrefix: string;
  /** A fixed catalog version, or undefined to follow `<prefix>/current.json`. */
  catalogVersion: string | undefined;
  /** Catalogs served beside the default one (`CATALOGS`), each following its own pointer. */
  catalogs: NamedCatalogConfig[];
  /** Origins allowed by CORS; `*` allows any. */
  corsOrigins: string[];
  maxUploadBytes: number;
  imageLimits: ImageLimits;
  maxBatchQueries: number;
  cacheMaxAgeSeconds: number;
  cacheSMaxAgeSeconds: number;
  refreshIntervalSeconds: number;
}

const positiveInt = (fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? fallback : Number(v)),
    z.number().int().positive(),
  );

const prefixSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'a relative path like "catalog"')
  .refine((p) => !p.split('/').some((part) => part === '..' || part === '.'), 'no "." or ".."');

/** `name` or `name=prefix`, comma-separated; empty: no named catalog. */
const catalogsSchema = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const entries = text
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const out: NamedCatalogConfig[] = [];
    for (const entry of entries) {
      const [name, prefix = `catalogs/${name}`, ...rest] = entry.split('=').map((p) => p.trim());
      const badPrefix = !prefixSchema.safeParse(prefix).success;
      if (!CATALOG_NAME_PATTERN.test(name) || rest.length > 0 || badPrefix) {
        ctx.addIssue({
          code: 'custom',
          message:
            `"${entry}" is not name or name=prefix (a name is 1–32 of a-z 0-9 - starting ` +
            'with a letter or digit; a prefix is a relative path like catalogs/clothing)',
        });
        return z.NEVER;
      }
      if (out.some((c) => c.name === name)) {
        ctx.addIssue({ code: 'custom', message: `"${name}" is named twice` });
        return z.NEVER;
      }
      out.push({ name, prefix });
    }
    return out;
  });

const EnvSchema = z.object({
  ARTIFACT_SOURCE: z.enum(['assets', 'r2']).default('assets'),
  CATALOG_PREFIX: prefixSchema.default('catalog'),
  CATALOGS: catalogsSchema,
  CATALOG_VERSION: z.union([z.literal(''), VersionNameSchema]).optional(),
  CORS_ORIGINS: z.string().default(''),
  MAX_UPLOAD_BYTES: positiveInt(MAX_UPLOAD_BYTES),
  MAX_IMAGE_PIXELS: positiveInt(DEFAULT_IMAGE_LIMITS.maxPixels),
  MAX_IMAGE_SIDE_PX: positiveInt(DEFAULT_IMAGE_LIMITS.maxSidePx),
  MAX_BATCH_QUERIES: positiveInt(MAX_BATCH_QUERIES),
  CACHE_MAX_AGE_SECONDS: positiveInt(CACHE_MAX_AGE_SECONDS),
  CACHE_S_MAXAGE_SECONDS: positiveInt(CACHE_S_MAXAGE_SECONDS),
  REFRESH_INTERVAL_SECONDS: positiveInt(REFRESH_INTERVAL_SECONDS),
});

/**
 * Reads the configuration from the worker's environment.
 *
 * @throws Error naming each bad variable and its rule, e.g. "ARTIFACT_SOURCE: expected one of
 *   assets|r2"
 */
export function readConfig(env: Record<string, unknown>): EdgeConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const faults = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`bad worker configuration (fix [vars] in wrangler.toml): ${faults.join('; ')}`);
  }
  const v = parsed.data;
  const clash = v.CATALOGS.find((c) => c.prefix === v.CATALOG_PREFIX);
  if (clash) {
    throw new Error(
      `bad worker configuration (fix [vars] in wrangler.toml): CATALOGS: "${clash.name}" uses ` +
        `CATALOG_PREFIX "${clash.prefix}", the default catalog's; give it its own prefix`,
    );
  }
  return {
    artifactSource: v.ARTIFACT_SOURCE,
    catalogPrefix: v.CATALOG_PREFIX,
    catalogVersion: v.CATALOG_VERSION === '' ? undefined : v.CATALOG_VERSION,
    catalogs: v.CATALOGS,
    corsOrigins: v.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
    maxUploadBytes: v.MAX_UPLOAD_BYTES,
    imageLimits: { maxPixels: v.MAX_IMAGE_PIXELS, maxSidePx: v.MAX_IMAGE_SIDE_PX },
    maxBatchQueries: v.MAX_BATCH_QUERIES,
    cacheMaxAgeSeconds: v.CACHE_MAX_AGE_SECONDS,
    cacheSMaxAgeSeconds: v.CACHE_S_MAXAGE_SECONDS,
    refreshIntervalSeconds: v.REFRESH_INTERVAL_SECONDS,
  };
}
