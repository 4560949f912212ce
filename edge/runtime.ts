/**
 * The real runtime of the worker: the one index reader (`core/index`, with the wasm ADC scan
 * kernel) and the one model loader (`core/model`, ONNX Runtime on an injected wasm module),
 * adapted to the catalog loader's {@link CatalogParsers}.
 */
import { createWasmKernel, readIndex } from '../core/index/index.ts';
import { loadModel } from '../core/model/loader.ts';
import { inputChw, parseModelManifest, type ModelManifest } from '../core/model/manifest.ts';
import type { InputSpec } from '../core/image/index.ts';
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
    modelInput: (json) => inputOf(parseModelManifest(json)),
    loadModel: (json, bytes) => loadEncoder(wasm.ort, json, bytes),
  };
}

/** The input spec of a model manifest; only C = 1 or 3 is fed by the edge. */
function inputOf(manifest: ModelManifest): InputSpec {
  const [channels, height, width] = inputChw(manifest);
  if (channels !== 1 && channels !== 3) {
    throw new Error(`the model takes C=${channels} channels; the edge feeds 1 or 3`);
  }
  return { channels, height, width, invert: manifest.preprocess.invert };
}

async function loadEncoder(
  ortWasm: WebAssembly.Module,
  json: unknown,
  bytes: Uint8Array,
): Promise<LoadedModel> {
  const manifest = parseModelManifest(json);
  const input = inputOf(manifest);
  const runtime = initModelRuntime({ wasmModule: ortWasm });
  const encoder = await loadModel(runtime, manifest, bytes, 'int8');
  return {
    encoder,
    input,
    sha256: manifest.files.int8.sha256,
  };
}
