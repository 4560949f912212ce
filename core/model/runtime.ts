/**
 * ONNX Runtime (onnxruntime-web, WebAssembly backend, one thread) set up the same way under
 * Node and inside workerd. The caller passes the runtime's `.wasm` in; nothing here reads files
 * or fetches, so the module has no Node APIs.
 *
 * - Node (trainer, tests): pass the bytes of `ort-wasm-simd-threaded.wasm`
 *   (`{ wasmBinary }`); the trainer's helper `trainer/export/ort-node.ts` reads them.
 * - workerd: the Worker imports the `.wasm` as a module (wrangler ships it precompiled, since
 *   workerd refuses to compile WebAssembly from bytes at run time) and passes it
 *   (`{ wasmModule }`):
 *
 *   ```ts
 *   import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
 *   const runtime = await initModelRuntime({ wasmModule: ortWasm });
 *   ```
 *
 *   The glue only instantiates from bytes, so it gets a small placeholder as `wasmBinary` (which
 *   also stops it fetching), and `WebAssembly.instantiate` is wrapped so that, for the
 *   placeholder only, it instantiates the imported module instead.
 *
 * ONNX Runtime's `env` is process-wide: the first call configures it, later calls return the
 * same runtime and must pass the same kind of source.
 */
import * as ort from 'onnxruntime-web/wasm';

import { ModelError } from './errors.ts';

/** The runtime's WebAssembly: compiled (workerd) or as bytes (Node). */
export type OrtWasmSource =
  { wasmModule: WebAssembly.Module } | { wasmBinary: Uint8Array | ArrayBuffer };

/** A configured ONNX Runtime: the onnxruntime-web namespace, ready to create sessions. */
export interface ModelRuntime {
  ort: typeof ort;
  /** how the WebAssembly was supplied */
  source: 'module' | 'binary';
}

/** Marker bytes handed to the glue in place of the real binary when a module is injected. */
const PLACEHOLDER = new TextEncoder().encode('fashion-similarity:ort-wasm-module-injected');

let configured: ModelRuntime | undefined;

function isPlaceholder(bytes: unknown): boolean {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) return false;
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (view.byteLength !== PLACEHOLDER.byteLength) return false;
  return view.every((b, i) => b === PLACEHOLDER[i]);
}

/** Wraps `WebAssembly.instantiate` so that the placeholder instantiates `module`. */
function divertInstantiate(module: WebAssembly.Module): void {
  const original = WebAssembly.instantiate.bind(WebAssembly);
  const wrapped = async (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    if (isPlaceholder(source)) {
      const instance = await original(module, imports);
      return { instance, module };
    }
    return original(source as BufferSource, imports);
  };
  (WebAssembly as { instantiate: unknown }).instantiate = wrapped;
}

/** Smallest plausible size of the runtime's .wasm, in bytes (the real one is ~15 MB). */
const MIN_WASM_BYTES = 1024;

function checkSource(source: OrtWasmSource): void {
  if ('wasmModule' in source) {
    if (!(source.wasmModule instanceof WebAssembly.Module)) {
      throw new ModelError(
        'runtime_init',
        'wasmModule is not a WebAssembly.Module; import ort-wasm-simd-threaded.wasm as a module',
      );
    }
  } else if (!(source.wasmBinary?.byteLength >= MIN_WASM_BYTES)) {
    throw new ModelError(
      'runtime_init',
      `wasmBinary has ${source.wasmBinary?.byteLength} bytes; ` +
        'pass the bytes of ort-wasm-simd-threaded.wasm from onnxruntime-web',
    );
  }
}

/**
 * Configures ONNX Runtime (wasm backend, `numThreads = 1`, `proxy = false`) with the given
 * WebAssembly and returns it. Idempotent: a second call returns the first runtime; a call with
 * a different kind of source throws `ModelError('runtime_init')`.
 */
export function initModelRuntime(source: OrtWasmSource): ModelRuntime {
  const kind = 'wasmModule' in source ? 'module' : 'binary';
  checkSource(source);
  if (configured) {
    if (configured.source !== kind) {
      throw new ModelError(
        'runtime_init',
        `ONNX Runtime was already set up from a wasm ${configured.source}; ` +
          `it cannot be set up again from a wasm ${kind} in the same process`,
      );
    }
    return configured;
  }
  const wasm = ort.env.wasm;
  wasm.numThreads = 1;
  wasm.proxy = false;
  if ('wasmModule' in source) {
    divertInstantiate(source.wasmModule);
    wasm.wasmBinary = PLACEHOLDER.slice().buffer;
  } else {
    wasm.wasmBinary = source.wasmBinary;
  }
  ort.env.logLevel = 'error';
  configured = { ort, source: kind };
  return configured;
}
