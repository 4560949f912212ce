/**
 * `npm run bench -- train [--backend NAME] [--images N] [--batch B]`: training throughput of the
 * default 28×28 model (d = 64), measured on the second of two epochs over the first N
 * Fashion-MNIST training images (the first epoch warms up), with 1 and 2 threads; plus the
 * encoder's forward speed and where one training step spends its time (tf.profile). Writes the
 * `train` section of BENCHMARKS.md.
 */
import { loadavg } from 'node:os';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_CHOICES, type BackendChoice, initBackend } from '../../trainer/backend.ts';
import { loadImages, locateFashionMnist } from '../../trainer/data/fashion-mnist.ts';
import { encoderMacs, reconstructionLoss, trainableVariables } from '../../trainer/model.ts';
import {
  DEFAULT_TRAIN_CONFIG,
  initTrainerState,
  train,
  type TrainerState,
} from '../../trainer/train.ts';
import { writeSection } from './_report.ts';

/**
 * Kernel time of one training step on `batch` images, by kernel name, ms: the least of
 * `repeats` profiled steps (the other processes on the machine only ever add time).
 */
async function profileStep(
  state: TrainerState,
  batch: number,
  repeats: number,
): Promise<[string, number][]> {
  const { height: h, width: w, channels: c } = state.model.config;
  const x = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', 1) as tf.Tensor4D;
  const variables = trainableVariables(state.model);
  const step = () =>
    tf.tidy(() => {
      state.optimizer.minimize(() => reconstructionLoss(state.model, x, x), true, variables);
    });
  step();
  const best = new Map<string, number>();
  for (let r = 0; r < repeats; r++) {
    const byKernel = new Map<string, number>();
    for (const k of (await tf.profile(step)).kernels) {
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    }
    byKernel.forEach((ms, name) => best.set(name, Math.min(ms, best.get(name) ?? Infinity)));
  }
  x.dispose();
  return [...best.entries()].sort((a, b) => b[1] - a[1]);
}

/** Encoder forward throughput in batches of `batch`, images/s. */
function encoderSpeed(state: TrainerState, batch: number, repeats: number): number {
  const { height: h, width: w, channels: c } = state.model.config;
  const x = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', 2);
  tf.tidy(() => state.model.encoder.predict(x));
  const started = performance.now();
  for (let i = 0; i < repeats; i++) {
    tf.tidy(() => (state.model.encoder.predict(x) as tf.Tensor).dataSync());
  }
  x.dispose();
  return (batch * repeats) / ((performance.now() - started) / 1000);
}

/** Runs the suite with command-line arguments `argv`. */
export async function run(argv: string[]): Promise<void> {
  const opts = new Command('npm run bench -- train')
    .option('--backend <name>', `one of ${BACKEND_CHOICES.join(', ')}`, 'wasm')
    .option('--images <n>', 'training images per epoch (plus 5% held out)', '6400')
    .option('--batch <n>', 'images per step', String(DEFAULT_TRAIN_CONFIG.batchSize))
    .parse(argv, { from: 'user' })
    .opts<{ backend: BackendChoice; images: string; batch: string }>();
  const backend = await initBackend(opts.backend);
  const batch = Number(opts.batch);
  const images = loadImages(locateFashionMnist(), 'train', { limit: Number(opts.images) });
  const config = { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: batch };
  const loadBefore = loadavg()[0];
  const timed = async (workers: number) => {
    const c = { ...config, workers };
    const state = await train(images, c, initTrainerState(c), {
      onEpoch: (s) =>
        console.log(
          `workers ${workers}, epoch ${s.epoch}: ` + `${s.imagesPerSecond.toFixed(0)} images/s`,
        ),
    });
    return { state, speed: state.history[1].imagesPerSecond };
  };
  const { state, speed: trainSpeed } = await timed(1);
  const { speed: twoThreads } = await timed(2);
  const loadAfter = loadavg()[0];
  const forward = encoderSpeed(state, 256, 20);
  const single = encoderSpeed(state, 1, 200);
  const kernels = await profileStep(state, batch, 5);
  const total = kernels.reduce((s, [, ms]) => s + ms, 0);
  const rows = kernels.slice(0, 8).map(([name, ms]) => `| ${name} | ${ms.toFixed(1)} |`);
  const argText = argv.length > 0 ? ` ${argv.join(' ')}` : '';
  const markdown = [
    `Backend: ${backend.name} (${backend.package}). Model: default 28×28×1, ` +
      `d=64, encoder ${encoderMacs(config.model)} MACs/image; batch ${batch}; ` +
      `${images.count} images (2 epochs, the second timed, for each thread count).`,
    `Load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)} ` +
      '(other processes share the 2 cores).',
    '',
    '| figure | value |',
    '| --- | ---: |',
    `| training throughput, 1 thread (the default) | **${trainSpeed.toFixed(0)} images/s** |`,
    `| training throughput, 2 threads (\`--workers 2\`) | ${twoThreads.toFixed(0)} images/s |`,
    `| encoder forward, batch 256 | ${forward.toFixed(0)} images/s |`,
    `| encoder forward, batch 1 | ${(1000 / single).toFixed(3)} ms/image |`,
    '',
    `Kernel time of one training step (tf.profile, least of 5 steps, ${total.toFixed(1)} ms ` +
      'in all):',
    '',
    '| kernel | ms |',
    '| --- | ---: |',
    ...rows,
  ].join('\n');
  writeSection('train', 'Training throughput', `npm run bench -- train${argText}`, markdown);
  console.log(markdown);
}
