/**
 * The convolutional autoencoder.
 *
 * Encoder (a plain tf.LayersModel, only layer types the ONNX exporter converts):
 * `[N, H, W, C]` → conv 3×3 stride 2 ('same', ReLU) for each entry of `filters` → flatten →
 * dense `d` (linear) → the unnormalised embedding `[N, d]`. L2 normalisation for search comes
 * after it (the exporter adds it to the ONNX graph); training normalises too, before the decoder,
 * so that the decoder sees what search sees: points on the unit sphere.
 *
 * Decoder (training only): dense `decoderHidden` (ReLU) → dense `H·W·C` (sigmoid) → reshape to
 * `[N, H, W, C]`. Dense layers only: no transposed convolutions, whose input gradient is the
 * slow path on wasm, and matrix products are what every backend does fastest.
 */
import * as tf from '@tensorflow/tfjs';

/** Shape and width of the autoencoder. */
export interface ModelConfig {
  /** Input height, px. */
  height: number;
  /** Input width, px. */
  width: number;
  /** Input channels: 1 (grey) or 3 (RGB). */
  channels: number;
  /** Embedding dimension. */
  d: number;
  /** Output channels of each stride-2 3×3 convolution of the encoder, in order. */
  filters: number[];
  /** Width of the decoder's hidden dense layer. */
  decoderHidden: number;
  /**
   * Width of the hidden layer of the projection head the invariance term is applied through
   * (SimCLR's g(·): dense ReLU → dense d, training only). 0 or absent: no head, the term acts on
   * the embedding itself.
   */
  projectorHidden?: number;
}

/** The default model: 28×28 grey, d = 64. */
export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  height: 28,
  width: 28,
  channels: 1,
  d: 64,
  filters: [16, 32, 64],
  decoderHidden: 512,
};

/** Encoder and decoder, with the config that built them. */
export interface Autoencoder {
  config: ModelConfig;
  /** `[N, H, W, C]` in [0, 1] → unnormalised embedding `[N, d]`. */
  encoder: tf.LayersModel;
  /** Unit embedding `[N, d]` → reconstruction `[N, H, W, C]` in [0, 1]. */
  decoder: tf.LayersModel;
  /** Unnormalised embedding `[N, d]` → projection `[N, d]` (when `projectorHidden` > 0). */
  projector?: tf.LayersModel;
}

/** Side of the feature map after `layers` stride-2 'same' convolutions of a side of `px`. */
function downsampled(px: number, layers: number): number {
  let side = px;
  for (let i = 0; i < layers; i++) side = Math.ceil(side / 2);
  return side;
}

/** Throws unless the config describes a buildable model; messages name the value and rule. */
export function checkModelConfig(config: ModelConfig): void {
  const positive: (keyof ModelConfig)[] = ['height', 'width', 'channels', 'd', 'decoderHidden'];
  for (const key of positive) {
    const v = config[key];
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw new Error(`model ${key}=${v} must be a positive integer`);
    }
  }
  if (config.channels !== 1 && config.channels !== 3) {
    throw new Error(`model channels=${config.channels} must be 1 (grey) or 3 (RGB)`);
  }
  if (config.filters.length < 1 || config.filters.some((f) => !Number.isInteger(f) || f < 1)) {
    throw new Error(`model filters=[${config.filters}] must be one or more positive integers`);
  }
}

/**
 * Builds a fresh autoencoder. Initial weights come from `seed` (Glorot-uniform kernels, zero
 * biases), so the same seed gives the same weights on every backend.
 */
export function buildAutoencoder(config: ModelConfig, seed: number): Autoencoder {
  checkModelConfig(config);
  const { height, width, channels, d } = config;
  let layerSeed = seed;
  const init = () => tf.initializers.glorotUniform({ seed: layerSeed++ });

  const image = tf.input({ shape: [height, width, channels], name: 'image' });
  let h: tf.SymbolicTensor = image;
  config.filters.forEach((filters, i) => {
    h = tf.layers
      .conv2d({
        name: `conv${i + 1}`,
        filters,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      })
      .apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  const embedding = tf.layers
    .dense({ name: 'embedding', units: d, kernelInitializer: init() })
    .apply(h) as tf.SymbolicTensor;
  const encoder = tf.model({ name: 'encoder', inputs: image, outputs: embedding });

  const code = tf.input({ shape: [d], name: 'code' });
  const hidden = tf.layers
    .dense({
      name: 'hidden',
      units: config.decoderHidden,
      activation: 'relu',
      kernelInitializer: init(),
    })
    .apply(code) as tf.SymbolicTensor;
  const pixels = tf.layers
    .dense({
      name: 'pixels',
      units: height * width * channels,
      activation: 'sigmoid',
      kernelInitializer: init(),
    })
    .apply(hidden) as tf.SymbolicTensor;
  const reshaped = tf.layers
    .reshape({ name: 'reconstruction', targetShape: [height, width, channels] })
    .apply(pixels) as tf.SymbolicTensor;
  const decoder = tf.model({ name: 'decoder', inputs: code, outputs: reshaped });
  const projector = (config.projectorHidden ?? 0) > 0 ? buildProjector(config, init) : undefined;
  return { config, encoder, decoder, projector };
}

/** The projection head: `[N, d]` → dense `projectorHidden` (ReLU) → dense `d`. */
function buildProjector(
  config: ModelConfig,
  init: () => ReturnType<typeof tf.initializers.glorotUniform>,
) {
  const input = tf.input({ shape: [config.d], name: 'representation' });
  const hidden = tf.layers
    .dense({
      name: 'projector_hidden',
      units: config.projectorHidden!,
      activation: 'relu',
      kernelInitializer: init(),
    })
    .apply(input) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      name: 'projection',
      units: config.d,
      kernelInitializer: init(),
    })
    .apply(hidden) as tf.SymbolicTensor;
  return tf.model({ name: 'projector', inputs: input, outputs: out });
}

/** Row-wise L2 normalisation of `[N, d]` embeddings (ε = 1e-12 guards zero rows). */
export function l2Normalize(z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => z.div(z.square().sum(1, true).add(1e-12).sqrt()) as tf.Tensor2D);
}

/**
 * Mean squared reconstruction error per pixel of `[N, H, W, C]` images: encoder, L2
 * normalisation, decoder. Returns a scalar tensor (call inside a tape for gradients).
 */
export function reconstructionLoss(
  model: Autoencoder,
  input: tf.Tensor4D,
  target: tf.Tensor4D,
): tf.Scalar {
  const z = model.encoder.apply(input, { training: true }) as tf.Tensor2D;
  const recon = model.decoder.apply(l2Normalize(z), { training: true }) as tf.Tensor4D;
  return tf.losses.meanSquaredError(target, recon) as tf.Scalar;
}

/** Multiply-accumulates of one encoder forward pass on one image (for quality per FLOP). */
export function encoderMacs(config: ModelConfig): number {
  let macs = 0;
  let inC = config.channels;
  config.filters.forEach((f, i) => {
    const side = downsampled(config.height, i + 1) * downsampled(config.width, i + 1);
    macs += side * f * inC * 9;
    inC = f;
  });
  const n = config.filters.length;
  return macs + downsampled(config.height, n) * downsampled(config.width, n) * inC * config.d;
}

/** The trainable variables in a fixed order (the optimizer's slots follow this order). */
export function trainableVariables(model: Autoencoder): tf.Variable[] {
  return [
    ...model.encoder.trainableWeights,
    ...model.decoder.trainableWeights,
    ...(model.projector?.trainableWeights ?? []),
  ].map((w) => w.read() as tf.Variable);
}
