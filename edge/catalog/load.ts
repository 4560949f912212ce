/**
 * Loads one catalog version (model + index) from an artifact source and checks that its parts
 * belong together before anything serves from it: every shard's size and sha256, the index
 * format (the index reader), the model file (the model loader: size, sha256, graph, one probe
 * run), the index's `d` against the model's, and the index's `modelSha256` against the model
 * file. Any fault is a {@link CatalogError}; the caller keeps serving its last good version.
 */
import type { InputSpec } from '../../core/image/index.ts';
import type { ArtifactSource } from './source.ts';
import {
  CATALOG_MANIFEST_FILE,
  CatalogManifestSchema,
  VERSION_POINTER_FILE,
  VersionPointerSchema,
  type CatalogManifest,
} from './manifest.ts';
import type { ImageEncoder, SearchableIndex } from './types.ts';

/** A catalog version that cannot be served, with the reason. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

/** A loaded encoder and what the edge needs to feed it. */
export interface LoadedModel {
  encoder: ImageEncoder;
  input: InputSpec;
  /** sha256 of the model file, lowercase hex */
  sha256: string;
}

/** The parsers the loader delegates to: the one index reader and the one model loader. */
export interface CatalogParsers {
  /** Parses index bytes; throws naming the fault. */
  readIndex(bytes: Uint8Array): SearchableIndex;
  /** Checks the model manifest and returns the input it expects; throws naming the fault. */
  modelInput(manifestJson: unknown): InputSpec;
  /** Checks the model manifest and file and creates an encoder; throws naming the fault. */
  loadModel(manifestJson: unknown, modelBytes: Uint8Array): Promise<LoadedModel>;
}

/** A catalog version ready to serve. */
export interface LoadedCatalog {
  version: string;
  manifest: CatalogManifest;
  index: SearchableIndex;
  /** The model input images become, from the model manifest. */
  input: InputSpec;
  /** The encoder, loaded once on first call; rejects with CatalogError when it cannot load. */
  model(): Promise<LoadedModel>;
  /** Time spent reading the files (and checking shard sha256), in ms. */
  readMs: number;
  /** Time spent loading and checking, in ms (the model excluded unless loaded eagerly). */
  loadMs: number;
}

/** Reads `<prefix>/current.json` and returns the version it names. */
export async function readVersionPointer(source: ArtifactSource, prefix: string): Promise<string> {
  const path = `${prefix}/${VERSION_POINTER_FILE}`;
  const parsed = VersionPointerSchema.safeParse(await readJson(source, path));
  if (!parsed.success) throw new CatalogError(`${path}: ${parsed.error.issues[0].message}`);
  return parsed.data.version;
}

/**
 * Loads and checks the catalog version `version` under `prefix`. The index is parsed, the model
 * manifest checked and the model file's sha256 compared with the one the index was built for
 * before this returns; the model itself (ONNX Runtime set-up, a few hundred ms of CPU that would
 * stall every request of the isolate) is loaded by the first `model()` call, i.e. the first image
 * search, or before returning when `eagerModel` is set (a refresh swaps in only a fully loaded
 * version).
 */
export async function loadCatalog(
  source: ArtifactSource,
  prefix: string,
  version: string,
  parsers: CatalogParsers,
  { eagerModel = false }: { eagerModel?: boolean } = {},
): Promise<LoadedCatalog> {
  const started = Date.now();
  const base = `${prefix}/${version}`;
  const manifest = await readManifest(source, `${base}/${CATALOG_MANIFEST_FILE}`, version);
  const [modelJson, modelBytes, indexBytes] = await Promise.all([
    readJson(source, `${base}/${manifest.model.manifest}`),
    readRequired(source, `${base}/${manifest.model.file}`),
    readShards(source, base, manifest),
  ]);
  const readMs = Date.now() - started;
  const fileSha256 = await sha256Hex(modelBytes);
  const index = attempt(`${base}: index`, () => parsers.readIndex(indexBytes));
  const input = attempt(`${base}: model manifest`, () => parsers.modelInput(modelJson));
  const { d, modelSha256 } = index.header;
  if (modelSha256 !== fileSha256) {
    throw new CatalogError(
      `${base}: the index was built with model ${modelSha256.slice(0, 12)}…, ` +
        `the catalog ships model ${fileSha256.slice(0, 12)}…; rebuild the index`,
    );
  }
  let loading: Promise<LoadedModel> | undefined;
  const model = () =>
    (loading ??= attemptAsync(`${base}: model`, async () => {
      const loaded = await parsers.loadModel(modelJson, modelBytes);
      if (loaded.encoder.d !== d) {
        throw new Error(`the index has d=${d}, the model d=${loaded.encoder.d}`);
      }
      return loaded;
    }));
  if (eagerModel) await model();
  return { version, manifest, index, input, model, readMs, loadMs: Date.now() - started };
}

async function readManifest(
  source: ArtifactSource,
  path: string,
  version: string,
): Promise<CatalogManifest> {
  const parsed = CatalogManifestSchema.safeParse(await readJson(source, path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CatalogError(`${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  if (parsed.data.version !== version) {
    throw new CatalogError(`${path} says version ${parsed.data.version}, expected ${version}`);
  }
  return parsed.data;
}

/** Concatenates the index shards, checking each one's size and sha256. */
async function readShards(
  source: ArtifactSource,
  base: string,
  manifest: CatalogManifest,
): Promise<Uint8Array> {
  const { shards, bytes } = manifest.index;
  const total = shards.reduce((sum, s) => sum + s.bytes, 0);
  if (total !== bytes) {
    throw new CatalogError(`${base}: the shards hold ${total} bytes, index.bytes says ${bytes}`);
  }
  const parts = await Promise.all(shards.map((s) => readRequired(source, `${base}/${s.path}`)));
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < shards.length; i++) {
    const { path, sha256 } = shards[i];
    if (parts[i].length !== shards[i].bytes) {
      throw new CatalogError(
        `${base}/${path} has ${parts[i].length} bytes, expected ${shards[i].bytes}`,
      );
    }
    const actual = await sha256Hex(parts[i]);
    if (actual !== sha256) {
      throw new CatalogError(`${base}/${path} has sha256 ${actual}, expected ${sha256}`);
    }
    out.set(parts[i], offset);
    offset += parts[i].length;
  }
  return out;
}

async function readRequired(source: ArtifactSource, path: string): Promise<Uint8Array> {
  const bytes = await source.get(path);
  if (bytes === null) throw new CatalogError(`${path} is missing from ${source.kind}`);
  return bytes;
}

async function readJson(source: ArtifactSource, path: string): Promise<unknown> {
  const bytes = await readRequired(source, path);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CatalogError(`${path} is not valid JSON`);
  }
}

function attempt<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw new CatalogError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function attemptAsync<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new CatalogError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Lowercase hex sha256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
