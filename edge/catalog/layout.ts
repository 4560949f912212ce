/**
 * Lays out one catalog version as files, the inverse of `load.ts`: the tools that publish a
 * catalog (`npm start`, `npm run deploy`, the test fixtures) write these paths to the assets
 * directory or to R2, then the pointer last.
 *
 * ```text
 * <prefix>/current.json                       { "version": "<version>" }
 * <prefix>/<version>/catalog.json             see manifest.ts
 * <prefix>/<version>/model/manifest.json      the model manifest (core/model)
 * <prefix>/<version>/model/encoder.int8.onnx  the encoder
 * <prefix>/<version>/index/000.bin, 001.bin…  the index file cut into shards
 * ```
 */
import { sha256Hex } from './load.ts';
import {
  CATALOG_FORMAT,
  CATALOG_MANIFEST_FILE,
  VERSION_POINTER_FILE,
  type CatalogManifest,
} from './manifest.ts';

/** Largest shard, in bytes: under the 25 MiB limit of one static asset. */
export const MAX_SHARD_BYTES = 24 * 1024 * 1024;

/** What one catalog version is made of. */
export interface CatalogParts {
  prefix: string;
  version: string;
  /** The model manifest as parsed JSON (its `files.int8.path` is the encoder's file name). */
  modelManifest: { files: { int8: { path: string } } };
  modelBytes: Uint8Array;
  /** The whole index file (core/index `writeIndex`). */
  indexBytes: Uint8Array;
  /** Largest shard, in bytes (default {@link MAX_SHARD_BYTES}). */
  maxShardBytes?: number;
  /** Build time, ISO 8601 (default now). */
  builtAt?: string;
  /** Items the source listed and the images skipped as unreadable (recorded, not served). */
  source?: CatalogManifest['source'];
}

/** The files of one version, by path, without the pointer. */
export async function catalogVersionFiles(parts: CatalogParts): Promise<Map<string, Uint8Array>> {
  const { prefix, version, modelBytes, indexBytes } = parts;
  const maxShard = parts.maxShardBytes ?? MAX_SHARD_BYTES;
  const base = `${prefix}/${version}`;
  const files = new Map<string, Uint8Array>();
  const shards: CatalogManifest['index']['shards'] = [];
  for (let at = 0, i = 0; at < indexBytes.length; at += maxShard, i++) {
    const bytes = indexBytes.slice(at, Math.min(indexBytes.length, at + maxShard));
    const path = `index/${String(i).padStart(3, '0')}.bin`;
    shards.push({ path, bytes: bytes.length, sha256: await sha256Hex(bytes) });
    files.set(`${base}/${path}`, bytes);
  }
  const modelFile = `model/${parts.modelManifest.files.int8.path}`;
  const manifest: CatalogManifest = {
    format: CATALOG_FORMAT,
    version,
    builtAt: parts.builtAt ?? new Date().toISOString(),
    model: { manifest: 'model/manifest.json', file: modelFile },
    index: { bytes: indexBytes.length, shards },
    ...(parts.source ? { source: parts.source } : {}),
  };
  files.set(`${base}/${modelFile}`, modelBytes);
  files.set(`${base}/model/manifest.json`, jsonBytes(parts.modelManifest));
  files.set(`${base}/${CATALOG_MANIFEST_FILE}`, jsonBytes(manifest));
  return files;
}

/** The pointer file that makes `version` the served one: path and bytes. */
export function versionPointer(prefix: string, version: string): [string, Uint8Array] {
  return [`${prefix}/${VERSION_POINTER_FILE}`, jsonBytes({ version })];
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}
