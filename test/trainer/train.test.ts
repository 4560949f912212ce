import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../trainer/backend.ts';
import { loadImages, locateFashionMnist } from '../../trainer/data/fashion-mnist.ts';
import {
  DEFAULT_TRAIN_CONFIG,
  evaluateReconstruction,
  initTrainerState,
  train,
  type TrainConfig,
  type TrainerState,
  type TrainingImages,
} from '../../trainer/train.ts';
import { RECONSTRUCTION_ONLY } from '../../trainer/train-objective.ts';
import { loadTrainerCheckpoint, saveTrainerCheckpoint } from '../../trainer/train-checkpoint.ts';

const images: TrainingImages = loadImages(locateFashionMnist(), 'train', { limit: 1000 });

function subset(count: number): TrainingImages {
  return { ...images, count, pixels: images.pixels.subarray(0, count * 784) };
}

/** One short epoch; uniformity groups of 16 so that two threads take whole groups. */
const SMALL: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 1,
  batchSize: 32,
  objective: { ...DEFAULT_TRAIN_CONFIG.objective, groupSize: 16 },
};

/** The first trainer's objective: denoising reconstruction of shifted images only. */
const RECONSTRUCTION: TrainConfig = {
  ...SMALL,
  augment: { maxShiftPx: 2, noiseStd: 0.1 },
  objective: RECONSTRUCTION_ONLY,
};

function weightsOf(state: TrainerState): Float32Array[] {
  return [...state.model.encoder.getWeights(), ...state.model.decoder.getWeights()].map(
    (w) => w.dataSync() as Float32Array,
  );
}

describe('training on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('lowers the reconstruction loss on 1,000 images', async () => {
    const config = { ...SMALL, epochs: 3, batchSize: 64 };
    const state = initTrainerState(config);
    const held = { ...images, count: 50, pixels: images.pixels.subarray(950 * 784) };
    const before = evaluateReconstruction(state.model, held);
    await train(images, config, state);
    const [first, , last] = state.history;
    // Untrained, the sigmoid outputs ~0.5 everywhere: MSE ≈ 0.17 here. Three epochs measured
    // 0.06–0.07 on these 50 held-out images; half the starting loss leaves a wide margin.
    expect(before).toBeGreaterThan(0.1);
    expect(last.valLoss).toBeLessThan(before / 2);
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(evaluateReconstruction(state.model, held)).toBeCloseTo(last.valLoss, 6);
  });

  it('gives the same weights for the same seed, and others for another seed', async () => {
    const run = async (seed: number) =>
      weightsOf(await train(subset(200), { ...SMALL, seed }, initTrainerState({ ...SMALL, seed })));
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    a.forEach((w, i) => expect(b[i]).toEqual(w));
    expect(c[0]).not.toEqual(a[0]);
  });

  it('splits batches over two threads deterministically, close to one thread', async () => {
    const run = async (workers: number) => {
      const config = { ...RECONSTRUCTION, workers };
      return weightsOf(await train(subset(200), config, initTrainerState(config)));
    };
    const [one, twoA, twoB] = [await run(1), await run(2), await run(2)];
    twoA.forEach((w, i) => expect(twoB[i]).toEqual(w));
    // Averaging two half-batch gradients equals the full-batch gradient up to float32
    // rounding; after 5 Adam steps of 2e-3 the weights differ by far less than one step.
    let diff = 0;
    twoA.forEach((w, i) => w.forEach((v, j) => (diff = Math.max(diff, Math.abs(v - one[i][j])))));
    expect(diff).toBeLessThan(1e-3);
  });

  it('splits the two-view objective over two threads as exactly as reconstruction', async () => {
    const run = async (workers: number) => {
      const config: TrainConfig = {
        ...SMALL,
        workers,
        augment: { maxShiftPx: 2, noiseStd: 0.1, maxScale: 0.15, flip: true, maxContrast: 0.3 },
        objective: { invarianceWeight: 0.1, uniformityT: 2, groupSize: 16 },
      };
      return weightsOf(await train(subset(200), config, initTrainerState(config)));
    };
    const [one, twoA, twoB] = [await run(1), await run(2), await run(2)];
    twoA.forEach((w, i) => expect(twoB[i]).toEqual(w));
    // Uniformity is a mean over groups of 16 images, so each thread's half-batch holds whole
    // groups and the averaged gradient is the full-batch one up to rounding, as above.
    let diff = 0;
    twoA.forEach((w, i) => w.forEach((v, j) => (diff = Math.max(diff, Math.abs(v - one[i][j])))));
    expect(diff).toBeLessThan(1e-3);
  });

  it('resumes from a checkpoint to exactly the weights of an uninterrupted run', async () => {
    const two = { ...SMALL, epochs: 2 };
    const straight = weightsOf(await train(subset(200), two, initTrainerState(two)));
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const identity = { seed: two.seed };
    const first = await train(subset(200), SMALL, initTrainerState(SMALL));
    await saveTrainerCheckpoint(dir, first, identity);
    const restored = await loadTrainerCheckpoint(dir, two, identity);
    expect(restored.epoch).toBe(1);
    const resumed = weightsOf(await train(subset(200), two, restored));
    resumed.forEach((w, i) => expect(w).toEqual(straight[i]));
    await expect(loadTrainerCheckpoint(dir, two, { seed: 9 })).rejects.toThrow(
      /the checkpoint .* has seed=1, this run has seed=9/,
    );
    // The whitening fitted after training is no part of the identity; a difference deeper in
    // the config is named by its path.
    const saved = { config: { batchSize: 128, whiten: 0.75, augment: { noiseStd: 0.1 } } };
    await saveTrainerCheckpoint(dir, first, saved);
    const refit = { config: { ...saved.config, whiten: 1, whitenShrink: 2 } };
    expect((await loadTrainerCheckpoint(dir, two, refit)).epoch).toBe(1);
    const noisier = { config: { ...saved.config, augment: { noiseStd: 0.2 } } };
    await expect(loadTrainerCheckpoint(dir, two, noisier)).rejects.toThrow(
      /has config\.augment\.noiseStd=0\.1, this run has config\.augment\.noiseStd=0\.2;/,
    );
  });

  it('refuses labels and mismatched images', async () => {
    const withLabels = { ...subset(100), labels: new Uint8Array(100) };
    await expect(train(withLabels, SMALL)).rejects.toThrow(/takes images only/);
    const wrong = { ...subset(100), height: 14, width: 56 };
    await expect(train(wrong, SMALL)).rejects.toThrow(/images are 14×56×1, the model expects 28/);
    expect(tf.getBackend()).toBe('wasm');
  });
});
