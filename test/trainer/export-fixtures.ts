/**
 * Shared pieces of the exporter tests: small seeded TensorFlow.js encoders, Fashion-MNIST
 * images, the Node ONNX Runtime, and the python ONNX checker.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';

import { loadImages, locateFashionMnist } from '../../trainer/data/fashion-mnist.ts';

/** Glorot-uniform kernel and N(0, 0.1) bias initialisers with a fixed seed. */
function init(seed: number) {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.1, seed: seed + 1 }),
  };
}

/**
 * An encoder shaped like the project's (28×28×1 → two stride-2 'same' ReLU convs → Flatten →
 * Dense), small: by default 8 and 16 filters, d = 16.
 */
export function smallEncoder(
  options: { seed?: number; filters?: [number, number]; d?: number } = {},
): tf.LayersModel {
  const { seed = 1, filters = [8, 16], d = 16 } = options;
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: filters[0],
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        ...init(seed),
      }),
      tf.layers.conv2d({
        filters: filters[1],
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        ...init(seed + 2),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: d, ...init(seed + 4) }),
    ],
  });
}

/**
 * Odd shapes: 3 channels, 11×13 input, a [3, 2] kernel with strides [2, 1] and 'valid' padding,
 * no bias; a stride-2 'same' conv on odd sizes; a hidden ReLU Dense after GlobalAveragePooling.
 */
export function oddEncoder(seed = 7): tf.LayersModel {
  const input = tf.input({ shape: [11, 13, 3] });
  let x = tf.layers
    .conv2d({
      filters: 5,
      kernelSize: [3, 2],
      strides: [2, 1],
      padding: 'valid',
      useBias: false,
      ...init(seed),
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      ...init(seed + 2),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 7, activation: 'relu', ...init(seed + 4) })
    .apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, ...init(seed + 6) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Embeddings of `images` (NHWC Float32Array, n images) by TensorFlow.js, L2-normalised rows. */
export function tfjsEmbed(model: tf.LayersModel, images: Float32Array, n: number): Float32Array {
  const [, h, w, c] = model.inputs[0].shape as number[];
  return tf.tidy(() => {
    const y = model.predict(tf.tensor4d(images, [n, h, w, c])) as tf.Tensor2D;
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(y), 1, true), 1e-12));
    return tf.div(y, norm).dataSync() as Float32Array;
  });
}

/** NHWC to NCHW: Float32Array [n, h, w, c] to [n, c, h, w]. */
export function nhwcToNchw(x: Float32Array, n: number, h: number, w: number, c: number) {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) {
          out[((i * c + ch) * h + y) * w + xx] = x[((i * h + y) * w + xx) * c + ch];
        }
  return out;
}

/** The first `count` Fashion-MNIST images of a split: Float32Array [count, 1, 28, 28] in [0, 1]. */
export function fashionMnist(split: 'train' | 'test', count: number): Float32Array {
  return loadImages(locateFashionMnist(), split, { limit: count }).pixels;
}

/**
 * Runs scripts/onnx-check.py (onnx.checker.check_model, full_check=True) with Debian's python on
 * `files`; returns its JSON lines. Throws, saying how to install it, when python3-onnx is absent.
 */
export function onnxCheck(files: string[]): { file: string; ok: boolean; error?: string }[] {
  const run = spawnSync('/usr/bin/python3', ['scripts/onnx-check.py', ...files], {
    encoding: 'utf8',
  });
  if (run.error || run.status === 3) {
    throw new Error(
      'the ONNX checker needs Debian python3 with onnx: apt-get install python3-onnx ' +
        `(${run.error?.message ?? run.stdout.trim()})`,
    );
  }
  return run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}
