/**
 * The training loop of the autoencoder: images in, weights out. No label can reach it: its input
 * is `TrainingImages` (pixels and geometry only), and nothing it imports reads labels
 * (test/trainer/no-labels.test.ts checks the import graph).
 *
 * Each epoch shuffles the training images with a generator seeded by (seed, epoch), corrupts
 * each batch (trainer/data/augment.ts; two views per image when the objective needs them), and
 * takes one Adam step per batch on the objective of trainer/train-objective.ts: the mean squared
 * reconstruction error of the clean image, plus the weighted two-view invariance term. The last
 * `validationFraction` of the images are held out and scored on clean reconstruction. Same seed,
 * same backend: same weights.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type AugmentConfig,
  deriveSeed,
  fillBatch,
  mulberry32,
  permutation,
} from './data/augment.ts';
import { DEFAULT_WHITEN_SHRINK } from './whiten.ts';
import { parallelStepper, singleThreadStepper, type Stepper } from './train-parallel.ts';
import {
  checkGroupSize,
  needsSecondView,
  type ObjectiveConfig,
  RECONSTRUCTION_ONLY,
} from './train-objective.ts';
import {
  type Autoencoder,
  buildAutoencoder,
  DEFAULT_MODEL_CONFIG,
  l2Normalize,
  type ModelConfig,
} from './model.ts';

/** Images to learn from: no labels. */
export interface TrainingImages {
  /** Float32Array, size `count * height * width * channels`, NHWC row-major, in [0, 1]. */
  pixels: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Everything that decides the trained weights, besides the images and the backend. */
export interface TrainConfig {
  epochs: number;
  /** Images per optimizer step. */
  batchSize: number;
  seed: number;
  /** Adam step size of the first epoch. */
  learningRate: number;
  /**
   * Factor applied to the step size after each epoch (epoch e uses learningRate · decay^(e-1)).
   * Per epoch, not per run, so that a resumed run follows the same schedule.
   */
  learningRateDecay: number;
  /**
   * Threads that share each batch (1: this thread only). Results are deterministic for a given
   * count; see trainer/train-parallel.ts.
   */
  workers: number;
  /** Share of the images held out for the validation loss, taken from the end, in (0, 0.5]. */
  validationFraction: number;
  augment: AugmentConfig;
  /** Loss terms (trainer/train-objective.ts). */
  objective: ObjectiveConfig;
  model: ModelConfig;
  /**
   * Exponent α of the partial whitening fitted after the last epoch and folded into the
   * encoder (trainer/whiten.ts); 0 or absent: none.
   */
  whiten?: number;
  /** Its shrinkage β (trainer/whiten.ts); absent: DEFAULT_WHITEN_SHRINK. */
  whitenShrink?: number;
}

/**
 * Defaults: 28×28 grey, d = 64, 30 epochs of batch 128, Adam 2e-3 decayed ×0.9 per epoch,
 * shifts up to 1 px, noise σ 0.1, reconstruction only, centred whitening α = 1 shrunk by β = 1,
 * one thread: the best of the attempts recorded in BENCHMARKS.md ("Attempts at neighbour
 * quality"), about 17 minutes on 2 cores.
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 30,
  batchSize: 128,
  seed: 1,
  learningRate: 2e-3,
  learningRateDecay: 0.9,
  workers: 1,
  validationFraction: 0.05,
  augment: { maxShiftPx: 1, noiseStd: 0.1 },
  objective: RECONSTRUCTION_ONLY,
  model: DEFAULT_MODEL_CONFIG,
  whiten: 1,
  whitenShrink: DEFAULT_WHITEN_SHRINK,
};

/** Figures of one epoch; losses are mean squared error per pixel (pixels in [0, 1]). */
export interface EpochStats {
  epoch: number;
  /**
   * Mean objective of the epoch's batches (corrupted inputs, clean targets): the reconstruction
   * error, plus the weighted invariance term when there is one (then it can be negative).
   */
  trainLoss: number;
  /** Loss on the held-out images, clean inputs. */
  valLoss: number;
  /** Training images per second of this epoch (optimizer steps only). */
  imagesPerSecond: number;
  /** Seconds since the run started, resumed runs included. */
  elapsedSeconds: number;
}

/** The mutable state of a run, as checkpointed after each epoch. */
export interface TrainerState {
  model: Autoencoder;
  optimizer: tf.AdamOptimizer;
  /** Completed epochs. */
  epoch: number;
  history: EpochStats[];
}

/** Callbacks: progress within an epoch, and the end of each epoch (e.g. to checkpoint). */
export interface TrainHooks {
  onBatch?(done: number, total: number, loss: number): void;
  onEpoch?(stats: EpochStats, state: TrainerState): Promise<void> | void;
}

/** A fresh model and optimizer for `config`. */
export function initTrainerState(config: TrainConfig): TrainerState {
  return {
    model: buildAutoencoder(config.model, config.seed),
    optimizer: tf.train.adam(config.learningRate),
    epoch: 0,
    history: [],
  };
}

/** Number of held-out images for `count` images: at least 1, at most half. */
export function validationCount(count: number, fraction: number): number {
  return Math.min(Math.floor(count / 2), Math.max(1, Math.round(count * fraction)));
}

/** Mean squared reconstruction error of clean `images` (no corruption), in batches of 500. */
export function evaluateReconstruction(model: Autoencoder, images: TrainingImages): number {
  const { height: h, width: w, channels: c } = images;
  const size = h * w * c;
  let sum = 0;
  for (let start = 0; start < images.count; start += 500) {
    const n = Math.min(500, images.count - start);
    sum += tf.tidy(() => {
      const x = tf.tensor4d(images.pixels.subarray(start * size, (start + n) * size), [n, h, w, c]);
      const z = model.encoder.predict(x) as tf.Tensor2D;
      const recon = model.decoder.predict(l2Normalize(z)) as tf.Tensor4D;
      return recon.squaredDifference(x).sum().dataSync()[0];
    });
  }
  return sum / (images.count * size);
}

function checkImages(images: TrainingImages, config: TrainConfig): void {
  if ('labels' in images) {
    throw new Error('train() takes images only: labels must not reach the trainer');
  }
  const { height, width, channels } = config.model;
  if (images.height !== height || images.width !== width || images.channels !== channels) {
    throw new Error(
      `images are ${images.height}×${images.width}×${images.channels}, the model ` +
        `expects ${height}×${width}×${channels}`,
    );
  }
  if (images.pixels.length !== images.count * height * width * channels) {
    throw new Error(
      `pixels has ${images.pixels.length} values, count ${images.count} × ` +
        `${height}×${width}×${channels} needs ${images.count * height * width * channels}`,
    );
  }
}

/** One pass over `train` (the last partial batch is dropped); returns mean loss and seconds. */
async function runEpoch(
  state: TrainerState,
  train: TrainingImages,
  config: TrainConfig,
  stepper: Stepper,
  hooks: TrainHooks,
): Promise<{ loss: number; seconds: number; images: number }> {
  const { height: h, width: w, channels: c } = train;
  const b = config.batchSize;
  const rng = mulberry32(deriveSeed(config.seed, state.epoch + 1));
  const order = permutation(train.count, rng);
  const steps = Math.floor(train.count / b);
  const input = new Float32Array(b * h * w * c);
  const target = new Float32Array(b * h * w * c);
  const second = needsSecondView(config.objective) ? new Float32Array(b * h * w * c) : undefined;
  // AdamOptimizer reads its (protected) learningRate field at every step.
  const adam = state.optimizer as unknown as { learningRate: number };
  adam.learningRate = config.learningRate * config.learningRateDecay ** state.epoch;
  const started = performance.now();
  let sum = 0;
  for (let step = 0; step < steps; step++) {
    const indices = order.subarray(step * b, (step + 1) * b);
    fillBatch(train, indices, input, target, config.augment, rng, second);
    const loss = await stepper.step({ input, target, second, batch: b });
    sum += loss;
    hooks.onBatch?.(step + 1, steps, loss);
  }
  return { loss: sum / steps, seconds: (performance.now() - started) / 1000, images: steps * b };
}

/** Splits `images` into training images and the held-out last `validationFraction`. */
function splitHoldout(images: TrainingImages, config: TrainConfig) {
  checkImages(images, config);
  const valCount = validationCount(images.count, config.validationFraction);
  const size = images.height * images.width * images.channels;
  const trainCount = images.count - valCount;
  if (config.batchSize % config.workers !== 0) {
    throw new Error(`batch ${config.batchSize} must be a multiple of workers=${config.workers}`);
  }
  checkGroupSize(config.objective, config.batchSize / config.workers);
  if (trainCount < config.batchSize) {
    throw new Error(
      `${trainCount} training images (after holding out ${valCount}) are fewer ` +
        `than one batch of ${config.batchSize}`,
    );
  }
  const cut = trainCount * size;
  return {
    trainSet: { ...images, count: trainCount, pixels: images.pixels.subarray(0, cut) },
    valSet: { ...images, count: valCount, pixels: images.pixels.subarray(cut) },
  };
}

/**
 * Trains from `state` (fresh from `initTrainerState`, or restored for `--resume`) until
 * `config.epochs` epochs are complete. `images` must match the model's input geometry; the last
 * `validationFraction` of them are held out. Returns the state after the last epoch.
 */
export async function train(
  images: TrainingImages,
  config: TrainConfig,
  state: TrainerState = initTrainerState(config),
  hooks: TrainHooks = {},
): Promise<TrainerState> {
  const { trainSet, valSet } = splitHoldout(images, config);
  const stepper =
    config.workers > 1
      ? await parallelStepper(state, config.objective, config.workers, tf.getBackend())
      : singleThreadStepper(state, config.objective);
  try {
    while (state.epoch < config.epochs) {
      const started = performance.now();
      const epoch = await runEpoch(state, trainSet, config, stepper, hooks);
      const valLoss = evaluateReconstruction(state.model, valSet);
      const before = state.history.at(-1)?.elapsedSeconds ?? 0;
      state.epoch += 1;
      const stats: EpochStats = {
        epoch: state.epoch,
        trainLoss: epoch.loss,
        valLoss,
        imagesPerSecond: epoch.images / epoch.seconds,
        elapsedSeconds: before + (performance.now() - started) / 1000,
      };
      state.history.push(stats);
      await hooks.onEpoch?.(stats, state);
    }
  } finally {
    await stepper.close();
  }
  return state;
}
