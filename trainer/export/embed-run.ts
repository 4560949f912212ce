/**
 * Embeddings of a Fashion-MNIST split by an exported model in onnxruntime-web (the runtime the
 * edge uses), written as docs/design.md specifies: `FILE` raw little-endian float32 [N, d],
 * row-major, rows L2-normalised, in the split's order; `FILE.json`
 * `{ count, d, split, modelSha256 }` (plus the variant and the model directory).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

import { loadModel } from '../../core/model/loader.ts';
import type { ModelVariant } from '../../core/model/manifest.ts';
import { loadImages, locateFashionMnist, type Split } from '../data/fashion-mnist.ts';
import { readModelDir } from './model-dir.ts';
import { initNodeRuntime } from './ort-node.ts';

/** Images per `embed` call, between progress updates. */
export const EMBED_CHUNK_IMAGES = 1024;

/** Options of `runEmbed` (the CLI's flags). */
export interface EmbedRunOptions {
  model: string;
  out: string;
  split: Split;
  variant: ModelVariant;
  /** directory of encoder.fp32.onnx when `variant` is fp32 (default `model`) */
  fp32Dir?: string;
  data?: string;
  limit?: number;
}

/** The sidecar `FILE.json`. */
export interface EmbeddingsInfo {
  count: number;
  d: number;
  split: Split;
  modelSha256: string;
  variant: ModelVariant;
  modelDir: string;
}

/**
 * Embeds the split and writes `out` and `out.json`. `onProgress(done, total)` after each chunk.
 * Returns the sidecar.
 */
export async function runEmbed(
  options: EmbedRunOptions,
  onProgress: (done: number, total: number) => void,
): Promise<EmbeddingsInfo> {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
    throw new Error('this machine is big-endian; the embeddings file is little-endian float32');
  }
  const { manifest, bytes } = readModelDir(options.model, options.variant, options.fp32Dir);
  const encoder = await loadModel(initNodeRuntime(), manifest, bytes, options.variant);
  const images = loadImages(locateFashionMnist(options.data), options.split, {
    limit: options.limit,
  });
  const [c, h, w] = encoder.chw;
  if (images.channels !== c || images.height !== h || images.width !== w) {
    throw new Error(
      `the model takes ${c}×${h}×${w} images; Fashion-MNIST's are ` +
        `${images.channels}×${images.height}×${images.width}`,
    );
  }
  // C = 1: the NHWC training layout and the model's NCHW hold the same bytes.
  const size = c * h * w;
  const out = new Float32Array(images.count * encoder.d);
  for (let start = 0; start < images.count; start += EMBED_CHUNK_IMAGES) {
    const n = Math.min(EMBED_CHUNK_IMAGES, images.count - start);
    const chunk = images.pixels.subarray(start * size, (start + n) * size);
    out.set(await encoder.embed(chunk, n), start * encoder.d);
    onProgress(start + n, images.count);
  }
  await encoder.release();
  const info: EmbeddingsInfo = {
    count: images.count,
    d: encoder.d,
    split: options.split,
    modelSha256: manifest.files[options.variant].sha256,
    variant: options.variant,
    modelDir: relative(process.cwd(), resolve(options.model)),
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, new Uint8Array(out.buffer));
  writeFileSync(`${options.out}.json`, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}
