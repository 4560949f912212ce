/**
 * The catalog manifest, `<prefix>/<version>/catalog.json`: which model and which index shards
 * make up one catalog version. Paths inside it are relative to `<prefix>/<version>/`.
 *
 * ```json
 * {
 *   "format": "fashion-similarity/catalog@1",
 *   "version": "2026-12-03T18-00-00Z",
 *   "builtAt": "2026-12-03T18:00:00.000Z",
 *   "model": { "manifest": "model/manifest.json", "file": "model/encoder.int8.onnx" },
 *   "index": {
 *     "bytes": 123456,
 *     "shards": [{ "path": "index/000.bin", "bytes": 123456, "sha256": "…64 hex…" }]
 *   },
 *   "source": {
 *     "items": 2918,
 *     "skipped": 1,
 *     "skippedImages": [{ "path": "a.jpg", "row": 7, "reason": "…" }]
 *   }
 * }
 * ```
 *
 * The version pointer `<prefix>/current.json` is `{ "version": "…" }`; a deploy writes the new
 * version's files first and the pointer last, so an isolate never sees half a version.
 */
import { z } from 'zod';

/** The `format` of a catalog manifest; changes only with an incompatible layout. */
export const CATALOG_FORMAT = 'fashion-similarity/catalog@1';
/** Name of the version pointer file, directly under the prefix. */
export const VERSION_POINTER_FILE = 'current.json';
/** Name of the catalog manifest, inside each version's folder. */
export const CATALOG_MANIFEST_FILE = 'catalog.json';

const relativePath = z
  .string()
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'a relative path without ".." or "//"')
  .refine((p) => !p.split('/').includes('..'), 'a path without ".."');

const shard = z.object({
  path: relativePath,
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
});

/** Schema of catalog.json. */
export const CatalogManifestSchema = z.object({
  format: z.literal(CATALOG_FORMAT),
  version: z.string().min(1),
  builtAt: z.string().min(1),
  model: z.object({ manifest: relativePath, file: relativePath }),
  index: z.object({
    bytes: z.number().int().positive(),
    shards: z.array(shard).min(1),
  }),
  /**
   * What the build read: the items its source listed, and the images it skipped because they
   * could not be read (path relative to the catalog folder, manifest row, reason). Optional.
   */
  source: z
    .object({
      items: z.number().int().nonnegative(),
      skipped: z.number().int().nonnegative(),
      skippedImages: z.array(
        z.object({ path: z.string(), row: z.number().int(), reason: z.string() }),
      ),
    })
    .optional(),
});

/** A parsed catalog.json. */
export type CatalogManifest = z.infer<typeof CatalogManifestSchema>;

/** A catalog version name: one path segment of letters, digits, ".", "_" or "-". */
export const VersionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-"')
  .refine((v) => v !== '.' && v !== '..', 'not "." or ".."');

/** Schema of the version pointer, current.json. */
export const VersionPointerSchema = z.object({ version: VersionNameSchema });
