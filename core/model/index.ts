/**
 * The model manifest, ONNX Runtime's set-up and the one model loader, shared by the trainer and
 * the edge (no Node APIs). Typical use in a Worker:
 *
 * ```ts
 * import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm'; // a WebAssembly.Module
 * const runtime = initModelRuntime({ wasmModule: ortWasm });
 * const manifest = parseModelManifest(JSON.parse(manifestText));
 * const encoder = await loadModel(runtime, manifest, modelBytes); // int8 by default
 * const embedding = await encoder.embed(pixelsNchw, 1); // Float32Array [1, d]
 * ```
 */
export { isModelError, ModelError, type ModelErrorCode } from './errors.ts';
export { loadModel, MAX_BATCH_IMAGES, sha256Hex, type OnnxEncoder } from './loader.ts';
export {
  inputChw,
  MODEL_MANIFEST_FORMAT,
  parseModelManifest,
  type CalibrationRecord,
  type ModelFileEntry,
  type ModelManifest,
  type ModelVariant,
  type PreprocessSpec,
} from './manifest.ts';
export { initModelRuntime, type ModelRuntime, type OrtWasmSource } from './runtime.ts';
