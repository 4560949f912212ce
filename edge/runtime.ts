/**
 * The real runtime of the worker: the one index reader (`core/index`, with the wasm ADC scan
 * kernel) and the one model loader (`core/model`, ONNX Runtime on an injected wasm module),
 * adapted to the catalog loader's {@link CatalogParsers}.
 */
import { createWasmKernel, readIndex } from '../core/index/index.ts';
import { loadModel } from '../core/model/loader.ts';
import { inputChw, parseModelManifest } from '../core/model/manifest.ts';
import { initModelRuntime } from '../core/model/runtime.ts';
import type { CatalogParsers, LoadedModel } from './catalog/load.ts';

/** The compiled wasm modules the runtime needs. */
export interface RuntimeWasm {
  /** onnxruntime-web's `ort-wasm-simd-threaded.wasm` */
  ort: WebAssembly.Module;
  /** core/pq/scan.wasm, the ADC scan kernel */
  scan: WebAssembly.Module;
}

/** Parsers over the real index reader and model loader. */
export function createParsers(wasm: RuntimeWasm): CatalogParsers {
  const kernel = createWasmKernel(wasm.scan);
  return {
    readIndex: (bytes) => readIndex(bytes, { kernel }),
    loadModel: (json, bytes) => loadEncoder(wasm.ort, json, bytes),
  };
}

async function loadEncoder(
  ortWasm: WebAssembly.Module,
  json: unknown,
  bytes: Uint8Array,
): Promise<LoadedModel> {
  const manifest = parseModelManifest(json);
  const [channels, height, width] = inputChw(manifest);
  if (channels !== 1 && channels !== 3) {
    throw new Error(`the model takes C=${channels} channels; the edge feeds 1 or 3`);
  }
  const runtime = initModelRuntime({ wasmModule: ortWasm });
  const encoder = await loadModel(runtime, manifest, bytes, 'int8');
  return {
    encoder,
    input: { channels, height, width, invert: manifest.preprocess.invert },
    sha256: manifest.files.int8.sha256,
  };
}
