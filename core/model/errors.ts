/**
 * Typed failures of the model loader. Every expected fault (a bad manifest, a truncated or
 * corrupt file, a graph whose input or output does not match the manifest, a bad input batch)
 * is a `ModelError` with a stable `code`, so callers (the edge's one error handler, the CLIs)
 * map it to a message or an HTTP status without parsing text.
 */

/** Stable codes of `ModelError`; never renamed, only added to. */
export type ModelErrorCode =
  /** manifest.json is missing a field, has a wrong type, or contradicts itself */
  | 'manifest_invalid'
  /** the model file is shorter than the manifest's `bytes` */
  | 'model_truncated'
  /** the model file's size or sha256 differs from the manifest */
  | 'model_checksum'
  /** ONNX Runtime could not parse or initialise the model */
  | 'model_corrupt'
  /** the graph's input or output names, dtypes or shapes differ from the manifest */
  | 'model_io_mismatch'
  /** ONNX Runtime's WebAssembly could not be set up */
  | 'runtime_init'
  /** an `embed` call got a batch whose size does not match `n · C · H · W` */
  | 'input_invalid'
  /** ONNX Runtime failed while running a loaded model */
  | 'inference_failed';

/** A model-loading or inference fault with a stable `code` and a message naming the value. */
export class ModelError extends Error {
  override readonly name = 'ModelError';

  constructor(
    readonly code: ModelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True if `e` is a `ModelError`, optionally of the given code. */
export function isModelError(e: unknown, code?: ModelErrorCode): e is ModelError {
  return e instanceof ModelError && (code === undefined || e.code === code);
}
