/**
 * Runs an `.onnx` file over many images in ONNX Runtime and gathers named outputs, for
 * calibration and validation inside the exporter (the product path is `core/model/loader.ts`).
 */
import type { ModelRuntime } from '../../core/model/runtime.ts';
import { INPUT_NAME } from './emit.ts';

/** Images per `session.run` call. */
export const RUN_BATCH_IMAGES = 128;

/**
 * Runs `bytes` on `n` images (`images`: Float32Array, size n·c·h·w, NCHW) and returns, for each
 * name in `outputs`, the outputs of all images concatenated along the batch axis (row-major).
 * `onBatch` is told the number of images done after each batch.
 */
export async function runOnnx(
  runtime: ModelRuntime,
  bytes: Uint8Array,
  images: Float32Array,
  n: number,
  chw: [number, number, number],
  outputs: string[],
  onBatch?: (done: number) => void,
): Promise<Float32Array[]> {
  const [c, h, w] = chw;
  const size = c * h * w;
  if (images.length !== n * size) {
    throw new Error(`images has ${images.length} values; n·c·h·w = ${n}·${c}·${h}·${w}`);
  }
  const session = await runtime.ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  try {
    const parts: Float32Array[][] = outputs.map(() => []);
    for (let start = 0; start < n; start += RUN_BATCH_IMAGES) {
      const count = Math.min(RUN_BATCH_IMAGES, n - start);
      const batch = images.subarray(start * size, (start + count) * size);
      const feeds = { [INPUT_NAME]: new runtime.ort.Tensor('float32', batch, [count, c, h, w]) };
      const result = await session.run(feeds, outputs);
      outputs.forEach((name, i) => parts[i].push((result[name].data as Float32Array).slice()));
      onBatch?.(start + count);
    }
    return parts.map((chunks) => {
      const out = new Float32Array(chunks.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (const p of chunks) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    });
  } finally {
    await session.release();
  }
}
