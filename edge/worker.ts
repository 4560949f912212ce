/**
 * The Worker entry. One isolate builds its app once, on its first request: configuration from
 * `[vars]`, the artifact source chosen by `ARTIFACT_SOURCE` (static assets or R2), the catalog
 * stores (the default catalog's, and one per catalog named in `CATALOGS`), the image codecs
 * and ONNX Runtime from wasm imported as modules (workerd compiles no wasm at run time).
 */
import jpegWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';
import * as pngWasmExports from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm';
import webpWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import scanWasm from '../core/pq/scan.wasm';
import { createImageDecoder, type ImageDecoder } from '../core/image/index.ts';
import { createApp } from './app.ts';
import { assetsSource, r2Source, type ArtifactSource } from './catalog/source.ts';
import { CatalogStore } from './catalog/store.ts';
import { readConfig, type EdgeConfig } from './config.ts';
import { logEvent } from './log.ts';
import { createParsers } from './runtime.ts';

/** Bindings and variables of the worker (see wrangler.toml). */
export interface WorkerEnv {
  /** Static assets: the catalog under `CATALOG_PREFIX/` when ARTIFACT_SOURCE is `assets`. */
  ASSETS?: Fetcher;
  /** R2 bucket holding the catalog when ARTIFACT_SOURCE is `r2`. */
  CATALOG?: R2Bucket;
  [variable: string]: unknown;
}

type App = ReturnType<typeof createApp>;
/** The png package types its .wasm as instance exports; wrangler imports it as a module. */
const pngWasm = (pngWasmExports as unknown as { default: WebAssembly.Module }).default;
let isolateApp: App | undefined;

/** The source named by the configuration; fails at start-up when its binding is missing. */
export function artifactSourceFor(config: EdgeConfig, env: WorkerEnv): ArtifactSource {
  if (config.artifactSource === 'r2') {
    if (!env.CATALOG) {
      throw new Error(
        'ARTIFACT_SOURCE is r2 but no R2 bucket is bound as CATALOG in wrangler.toml',
      );
    }
    return r2Source(env.CATALOG);
  }
  if (!env.ASSETS) {
    throw new Error('ARTIFACT_SOURCE is assets but [assets] has no binding = "ASSETS"');
  }
  return assetsSource(env.ASSETS);
}

/** Builds the app of one isolate from its environment. */
export function createWorkerApp(env: WorkerEnv): App {
  const config = readConfig(env);
  const source = artifactSourceFor(config, env);
  const parsers = createParsers({ ort: ortWasm, scan: scanWasm });
  const storeAt = (prefix: string, pinnedVersion: string | undefined) =>
    new CatalogStore({
      source,
      prefix,
      pinnedVersion,
      refreshIntervalMs: config.refreshIntervalSeconds * 1000,
      parsers,
    });
  const store = storeAt(config.catalogPrefix, config.catalogVersion);
  // Named catalogs follow their own current.json; CATALOG_VERSION pins the default one only.
  const catalogs = new Map(config.catalogs.map((c) => [c.name, storeAt(c.prefix, undefined)]));
  let decoder: Promise<ImageDecoder> | undefined;
  logEvent('info', 'isolate_started', {
    source: config.artifactSource,
    catalogs: config.catalogs.map((c) => c.name),
  });
  return createApp({
    config,
    store,
    catalogs,
    source,
    decoder: () =>
      (decoder ??= createImageDecoder({ jpeg: jpegWasm, png: pngWasm, webp: webpWasm })),
    cache: async () => edgeCache(),
  });
}

/** `caches.default` of Workers (the DOM typing of `caches` does not know it). */
function edgeCache(): Cache | undefined {
  if (typeof caches === 'undefined') return undefined;
  return (caches as unknown as { default?: Cache }).default;
}

/** The Worker: builds the isolate's app on its first request, then hands every request to it. */
export default {
  fetch(request, env, ctx) {
    isolateApp ??= createWorkerApp(env);
    return isolateApp.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<WorkerEnv>;
