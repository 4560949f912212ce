/**
 * Builds one catalog version from a {@link CatalogSource} and a model directory: embeds every
 * item with the int8 ONNX encoder (onnxruntime-web under Node, the runtime the edge runs), builds
 * the PQ index, and writes the version's files (edge/catalog/layout.ts, plus the item images of
 * edge/demo/image-pack.ts) under `<site>/<prefix>/<version>/`. The version pointer is written
 * separately ({@link publishVersion}), last, so nothing serves a half-written version.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildIndex, writeIndex, type BuildOptions } from '../../core/index/index.ts';
import { loadModel, type ModelManifest } from '../../core/model/index.ts';
import { inputChw } from '../../core/model/manifest.ts';
import { readModelDir as readVariant } from '../export/model-dir.ts';
import { catalogVersionFiles, versionPointer } from '../../edge/catalog/layout.ts';
import { imagePackFiles, recordBytes } from '../../edge/demo/image-pack.ts';
import type { SkippedImage } from '../data/image-file.ts';
import { initNodeRuntime } from '../export/ort-node.ts';
import type { CatalogSource } from './types.ts';

/** Items embedded per call of the encoder. */
export const EMBED_BATCH = 1024;
/**
 * Index settings of every catalog: 16 B of PQ code and d B of int8 re-rank code per item. The
 * quantizers train on a sample of 16,384 vectors for 12 k-means iterations, which keeps a
 * 70,000-item build to seconds, not minutes, on a busy 2-core machine.
 */
export const INDEX_OPTIONS: Readonly<BuildOptions> = {
  M: 16,
  nbits: 8,
  refine: 'int8',
  seed: 1,
  trainSize: 16_384,
  iterations: 12,
};
/** Below this many items a catalog gets a smaller index (PQ needs ≥ ksub training vectors). */
const SMALL_CATALOG = 4096;

/**
 * The index settings of a catalog of `count` items: {@link INDEX_OPTIONS}, or under
 * SMALL_CATALOG items M = 8 with a float16 re-rank store and nbits 8 from 256 items, 4 from 16,
 * and below that the most bits whose ksub = 2^nbits centroids the items can train.
 * @throws RangeError for fewer than 2 items (no codebook can be trained)
 */
export function indexOptionsFor(count: number): BuildOptions {
  if (count >= SMALL_CATALOG) return { ...INDEX_OPTIONS };
  if (count < 2) {
    throw new RangeError(`a catalog of ${count} item(s) is too small to index; give at least 2`);
  }
  const nbits = count >= 256 ? 8 : count >= 16 ? 4 : Math.floor(Math.log2(count));
  return { ...INDEX_OPTIONS, M: 8, nbits, refine: 'float16' };
}

/** What a build reports as it goes. */
export type BuildProgress = (
  stage: 'embed' | 'index' | 'write',
  done: number,
  total: number,
) => void;

/** A model directory's int8 encoder: manifest and bytes. */
export interface ModelFiles {
  manifest: ModelManifest;
  /** The manifest as parsed JSON, copied into the catalog version as is. */
  json: { files: { int8: { path: string } } };
  bytes: Uint8Array;
  sha256: string;
}

/** Reads `dir/manifest.json` and its int8 encoder. */
export function readModelDir(dir: string): ModelFiles {
  const { manifest, json, bytes } = readVariant(dir, 'int8');
  return { manifest, json: json as ModelFiles['json'], bytes, sha256: manifest.files.int8.sha256 };
}

/** Options of {@link buildCatalogVersion}. */
export interface CatalogBuildOptions {
  source: CatalogSource;
  model: ModelFiles;
  /** The static-assets folder (wrangler.toml `[assets] directory`). */
  site: string;
  /** Catalog folder inside the site (the worker's CATALOG_PREFIX). */
  prefix: string;
  version: string;
  onProgress?: BuildProgress;
}

/** What was built. */
export interface CatalogBuildSummary {
  version: string;
  /** Items indexed (the source's, less the skipped ones). */
  count: number;
  /** Images that could not be read, left out of the index. */
  skipped: SkippedImage[];
  d: number;
  indexBytes: number;
  imageBytes: number;
  files: string[];
}

/** Embeds, indexes and writes one catalog version (not the pointer). */
export async function buildCatalogVersion(o: CatalogBuildOptions): Promise<CatalogBuildSummary> {
  const { source, model, onProgress } = o;
  const { vectors, display, ids, metadata, skipped } = await embedAll(source, model, onProgress);
  const count = ids.length;
  onProgress?.('index', 0, 1);
  const index = buildIndex(vectors, ids, {
    ...indexOptionsFor(count),
    modelSha256: model.sha256,
    metadata,
  });
  const indexBytes = writeIndex(index);
  onProgress?.('index', 1, 1);

  const size = recordBytes(source.display);
  const ordered = new Uint8Array(display.length);
  ids.forEach((id, i) => {
    const ordinal = index.ordinalOf(id) as number;
    ordered.set(display.subarray(i * size, (i + 1) * size), ordinal * size);
  });
  const base = `${o.prefix}/${o.version}`;
  const files = await catalogVersionFiles({
    prefix: o.prefix,
    version: o.version,
    modelManifest: model.json,
    modelBytes: model.bytes,
    indexBytes,
    source: { items: source.ids.length, skipped: skipped.length, skippedImages: skipped },
  });
  for (const [path, bytes] of imagePackFiles(base, source.display, ordered)) files.set(path, bytes);
  let written = 0;
  for (const [path, bytes] of files) {
    writeAtomic(join(o.site, path), bytes);
    onProgress?.('write', ++written, files.size);
  }
  return {
    version: o.version,
    count,
    skipped,
    d: model.manifest.d,
    indexBytes: indexBytes.length,
    imageBytes: ordered.length,
    files: [...files.keys()],
  };
}

/** Makes `version` the served one: writes `<site>/<prefix>/current.json` atomically. */
export function publishVersion(site: string, prefix: string, version: string): void {
  const [path, bytes] = versionPointer(prefix, version);
  writeAtomic(join(site, path), bytes);
}

/** A new version name from the clock: `2026-12-03T18-00-00-123Z` (sorts by time). */
export function newVersionName(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

async function embedAll(source: CatalogSource, model: ModelFiles, onProgress?: BuildProgress) {
  const encoder = await loadModel(initNodeRuntime(), model.manifest, model.bytes, 'int8');
  const [channels, height, width] = inputChw(model.manifest);
  if (channels !== 1 && channels !== 3) {
    throw new Error(`the model takes C=${channels} channels; catalogs are built for 1 or 3`);
  }
  const spec = { channels, height, width, invert: model.manifest.preprocess.invert } as const;
  const count = source.ids.length;
  const vectors = new Float32Array(count * encoder.d);
  const display = new Uint8Array(count * recordBytes(source.display));
  const skipped: Array<SkippedImage & { index: number }> = [];
  onProgress?.('embed', 0, count);
  for (let start = 0; start < count; start += EMBED_BATCH) {
    const end = Math.min(count, start + EMBED_BATCH);
    const batch = await source.batch(start, end, spec);
    vectors.set(await encoder.embed(batch.input, end - start), start * encoder.d);
    display.set(batch.display, start * recordBytes(source.display));
    skipped.push(...(batch.skipped ?? []));
    onProgress?.('embed', end, count);
  }
  await encoder.release();
  if (skipped.length === count) {
    throw new Error(
      `${source.name}: none of its ${count} images can be read ` +
        `(first: ${skipped[0].path}: ${skipped[0].reason})`,
    );
  }
  const report = skipped.map(({ path, row, reason }) => ({ path, row, reason }));
  return { ...withoutSkipped(source, vectors, display, skipped, encoder.d), skipped: report };
}

/** Vectors, pictures, ids and metadata of the items not in `skipped` (indices ascending). */
function withoutSkipped(
  source: CatalogSource,
  vectors: Float32Array,
  display: Uint8Array,
  skipped: ReadonlyArray<{ index: number }>,
  d: number,
) {
  const gone = new Set(skipped.map((s) => s.index));
  const keep = source.ids.flatMap((_, i) => (gone.has(i) ? [] : [i]));
  const size = recordBytes(source.display);
  const keptVectors = new Float32Array(keep.length * d);
  const keptDisplay = new Uint8Array(keep.length * size);
  keep.forEach((i, j) => {
    keptVectors.set(vectors.subarray(i * d, (i + 1) * d), j * d);
    keptDisplay.set(display.subarray(i * size, (i + 1) * size), j * size);
  });
  return {
    vectors: keptVectors,
    display: keptDisplay,
    ids: keep.map((i) => source.ids[i]),
    metadata: keep.map((i) => source.metadata[i]),
  };
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
