/**
 * ONNX Runtime under Node: reads onnxruntime-web's `.wasm` from node_modules and hands its bytes
 * to the shared initialisation in `core/model/runtime.ts` (which has no Node APIs).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { initModelRuntime, type ModelRuntime } from '../../core/model/runtime.ts';

/** File name of the runtime's WebAssembly (SIMD build, run with one thread). */
export const ORT_WASM_FILE = 'ort-wasm-simd-threaded.wasm';

/** Absolute path of onnxruntime-web's `ort-wasm-simd-threaded.wasm`. */
export function ortWasmPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('onnxruntime-web/wasm')), ORT_WASM_FILE);
}

/** Sets up ONNX Runtime for this Node process (one thread) and returns it. */
export function initNodeRuntime(): ModelRuntime {
  return initModelRuntime({ wasmBinary: readFileSync(ortWasmPath()) });
}
