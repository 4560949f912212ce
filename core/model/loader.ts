/**
 * The one ONNX model loader, shared by the trainer (embeddings, benchmarks) and the edge.
 * It checks the file against the manifest (size, sha256), lets ONNX Runtime parse it, checks the
 * graph's input and output against the manifest, and runs one probe image, so that a truncated,
 * corrupt or mismatched model fails at load time with a typed `ModelError`, never at the first
 * request and never as a crash.
 */
import type * as ort from 'onnxruntime-web/wasm';

import { ModelError } from './errors.ts';
import { inputChw, type ModelManifest, type ModelVariant } from './manifest.ts';
import type { ModelRuntime } from './runtime.ts';

/** Images per `session.run` call inside `embed`; bounds the runtime's memory per call. */
export const MAX_BATCH_IMAGES = 256;

/** A loaded encoder. */
export interface OnnxEncoder {
  manifest: ModelManifest;
  variant: ModelVariant;
  /** embedding dimension */
  d: number;
  /** `[C, H, W]` of one input image */
  chw: [number, number, number];
  /**
   * Embeds `n` images. `images`: Float32Array of size `n · C · H · W`, NCHW, row-major, values
   * in the manifest's `input.range`. Returns a Float32Array of size `n · d`, row-major, each row
   * L2-normalised. Calls are serialised per encoder. Throws `ModelError('input_invalid')` on a
   * size mismatch.
   */
  embed(images: Float32Array, n: number): Promise<Float32Array>;
  /** Frees the ONNX Runtime session. */
  release(): Promise<void>;
}

/** Lowercase hex sha256 of `bytes` (Web Crypto: Node 20 and Workers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function checkBytes(manifest: ModelManifest, variant: ModelVariant, bytes: Uint8Array) {
  const entry = manifest.files[variant];
  if (bytes.byteLength < entry.bytes) {
    throw new ModelError(
      'model_truncated',
      `${entry.path} has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}: ` +
        'the file is truncated',
    );
  }
  if (bytes.byteLength !== entry.bytes) {
    throw new ModelError(
      'model_checksum',
      `${entry.path} has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}`,
    );
  }
  const sha = await sha256Hex(bytes);
  if (sha !== entry.sha256) {
    throw new ModelError(
      'model_checksum',
      `${entry.path} has sha256 ${sha}, the manifest says ${entry.sha256}: ` +
        'the file is corrupt or belongs to another export',
    );
  }
}

function describe(meta: ort.InferenceSession.ValueMetadata | undefined): string {
  if (!meta) return 'nothing';
  if (!meta.isTensor) return `'${meta.name}' (not a tensor)`;
  return `'${meta.name}' ${meta.type} [${meta.shape.join(', ')}]`;
}

/** True if a graph dimension (number, symbol or unknown) is compatible with the manifest's. */
function dimMatches(graphDim: number | string | undefined, want: number | 'N'): boolean {
  if (want === 'N') return typeof graphDim === 'string' || graphDim === undefined;
  return graphDim === want || typeof graphDim === 'string';
}

function checkValue(
  kind: 'input' | 'output',
  metas: readonly ort.InferenceSession.ValueMetadata[],
  want: { name: string; shape: readonly (number | 'N')[] },
): void {
  const meta = metas[0];
  const ok =
    metas.length === 1 &&
    meta.isTensor &&
    meta.name === want.name &&
    meta.type === 'float32' &&
    (meta.shape.length === 0 ||
      (meta.shape.length === want.shape.length &&
        want.shape.every((w, i) => dimMatches(meta.shape[i], w))));
  if (!ok) {
    throw new ModelError(
      'model_io_mismatch',
      `the model has ${metas.length} ${kind}(s), the first ${describe(meta)}; the manifest ` +
        `expects one float32 ${kind} '${want.name}' [${want.shape.join(', ')}]`,
    );
  }
}

async function createSession(
  runtime: ModelRuntime,
  bytes: Uint8Array,
  path: string,
): Promise<ort.InferenceSession> {
  try {
    return await runtime.ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ModelError('model_corrupt', `ONNX Runtime cannot load ${path}: ${why}`, {
      cause: e,
    });
  }
}

async function runBatch(
  runtime: ModelRuntime,
  session: ort.InferenceSession,
  manifest: ModelManifest,
  images: Float32Array,
  n: number,
): Promise<Float32Array> {
  const [c, h, w] = inputChw(manifest);
  const feeds = { [manifest.input.name]: new runtime.ort.Tensor('float32', images, [n, c, h, w]) };
  let out: ort.Tensor | undefined;
  try {
    out = (await session.run(feeds))[manifest.output.name];
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ModelError('inference_failed', `ONNX Runtime failed on ${n} image(s): ${why}`, {
      cause: e,
    });
  }
  const d = manifest.d;
  if (!out || out.type !== 'float32' || out.dims.length !== 2 || out.dims[1] !== d) {
    const got = out ? `${out.type} [${out.dims.join(', ')}]` : 'missing';
    throw new ModelError(
      'model_io_mismatch',
      `output '${manifest.output.name}' is ${got}` + `; the manifest expects float32 [${n}, ${d}]`,
    );
  }
  return out.data as Float32Array;
}

/**
 * Loads `bytes` (the whole `.onnx` file named by `manifest.files[variant]`) into a session.
 * Throws `ModelError` with code `model_truncated`, `model_checksum`, `model_corrupt` or
 * `model_io_mismatch`. `manifest` should come from `parseModelManifest`.
 */
export async function loadModel(
  runtime: ModelRuntime,
  manifest: ModelManifest,
  bytes: Uint8Array,
  variant: ModelVariant = 'int8',
): Promise<OnnxEncoder> {
  await checkBytes(manifest, variant, bytes);
  const session = await createSession(runtime, bytes, manifest.files[variant].path);
  const chw = inputChw(manifest);
  const [c, h, w] = chw;
  const imageSize = c * h * w;
  try {
    checkValue('input', session.inputMetadata, manifest.input);
    checkValue('output', session.outputMetadata, manifest.output);
    await runBatch(runtime, session, manifest, new Float32Array(imageSize), 1);
  } catch (e) {
    await session.release();
    throw e;
  }

  let queue: Promise<unknown> = Promise.resolve();
  const embedNow = async (images: Float32Array, n: number): Promise<Float32Array> => {
    const out = new Float32Array(n * manifest.d);
    for (let start = 0; start < n; start += MAX_BATCH_IMAGES) {
      const count = Math.min(MAX_BATCH_IMAGES, n - start);
      const batch = images.subarray(start * imageSize, (start + count) * imageSize);
      out.set(await runBatch(runtime, session, manifest, batch, count), start * manifest.d);
    }
    return out;
  };
  return {
    manifest,
    variant,
    d: manifest.d,
    chw,
    embed(images, n) {
      if (!Number.isInteger(n) || n < 0 || images.length !== n * imageSize) {
        const want = `n · C · H · W = ${n} · ${c} · ${h} · ${w}`;
        const err = new ModelError(
          'input_invalid',
          `images has ${images.length} values; it must have ${want} (NCHW float32)`,
        );
        return Promise.reject(err);
      }
      const result = queue.then(() => embedNow(images, n));
      queue = result.catch(() => undefined);
      return result;
    },
    release: () => session.release(),
  };
}
