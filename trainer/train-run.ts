/**
 * One training run as `npm run train` performs it: data, backend, training, and the files of
 * docs/design.md ("Model directories"):
 *
 * - `DIR/encoder/model.json` + `weights.bin` and `DIR/decoder/…` (TensorFlow.js layers format),
 * - `DIR/checkpoint/` (for `--resume`), `DIR/manifest.json` (resolved config, seed, backend,
 *   data sha256, losses, per-epoch history),
 *
 * all rewritten after every epoch, so that an interrupted run leaves a usable model.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type BackendInfo } from './backend.ts';
import { saveLayersModel, writeAtomically } from './checkpoint.ts';
import { encoderMacs } from './model.ts';
import { type ContrastiveKind } from './train-objective.ts';
import {
  embedImages,
  fitWhitening,
  foldIntoEncoder,
  whiteningOffset,
  whiteningRecord,
} from './whiten.ts';
import {
  DEFAULT_TRAIN_CONFIG,
  type EpochStats,
  initTrainerState,
  train,
  type TrainConfig,
  type TrainHooks,
  type TrainerState,
} from './train.ts';
import { loadTrainerCheckpoint, saveTrainerCheckpoint } from './train-checkpoint.ts';
import { DEFAULT_FOLDER_SIZE_PX, loadTrainingData, type TrainingData } from './train-data.ts';

/** Format tag and version of `manifest.json`. */
export const TRAINING_MANIFEST_FORMAT = 'fashion-similarity/training-manifest@1';

/** What a run needs: the parsed CLI options (see trainer/cli/options.ts). */
export interface RunOptions {
  epochs: number;
  batch: number;
  dim: number;
  seed: number;
  lr: number;
  /** Factor on the step size after each epoch; the default of train.ts when absent. */
  lrDecay?: number;
  out: string;
  data?: string;
  limit?: number;
  resume: boolean;
  /** Threads sharing each batch; 1 when absent. */
  workers?: number;
  /** Corruptions, objective and encoder width; the defaults of train.ts when absent. */
  shift?: number;
  noise?: number;
  scale?: number;
  contrast?: number;
  flip?: boolean;
  erase?: number;
  invariance?: number;
  group?: number;
  contrastive?: ContrastiveKind;
  temperature?: number;
  projector?: number;
  filters?: number[];
  /** Exponent α of the whitening fitted after training (0: none). */
  whiten?: number;
  /** Its shrinkage β. */
  whitenShrink?: number;
  /**
   * This command line, recorded in the manifest; a resumed run records the commands before it
   * too, joined by ` && `.
   */
  command?: string;
  /** A catalog folder to train on instead of Fashion-MNIST (trainer/train-data.ts). */
  catalog?: string;
  /** Its manifest (default: searched in the folder). */
  manifest?: string;
  /** Only these splits of its manifest. */
  split?: string[];
  /** Side of its square RGB training images, px (default 64). */
  size?: number;
  /** Colour corruptions of RGB views (trainer/data/colour.ts); none when absent. */
  saturation?: number;
  hue?: number;
  grey?: number;
}

/** Where a run reports: one line per event, and progress within an epoch. */
export interface RunReporter {
  line(text: string): void;
  /** Progress of reading a catalog folder's images. */
  loading?(done: number, total: number): void;
  epochStart?(epoch: number, steps: number): void;
  batch?(done: number, total: number, loss: number): void;
  epochEnd?(): void;
}

/** The resolved training config of `options`. */
export function trainConfigOf(options: RunOptions): TrainConfig {
  const { augment, objective, model } = DEFAULT_TRAIN_CONFIG;
  const side = options.size ?? DEFAULT_FOLDER_SIZE_PX;
  // A catalog folder's photos: RGB at `side` px, padded with white, which shifts uncover.
  const geometry = options.catalog === undefined ? {} : { height: side, width: side, channels: 3 };
  return {
    ...DEFAULT_TRAIN_CONFIG,
    epochs: options.epochs,
    batchSize: options.batch,
    seed: options.seed,
    learningRate: options.lr,
    learningRateDecay: options.lrDecay ?? DEFAULT_TRAIN_CONFIG.learningRateDecay,
    workers: options.workers ?? 1,
    augment: {
      maxShiftPx: options.shift ?? augment.maxShiftPx,
      noiseStd: options.noise ?? augment.noiseStd,
      maxScale: options.scale ?? augment.maxScale,
      maxContrast: options.contrast ?? augment.maxContrast,
      flip: options.flip ?? augment.flip,
      maxErase: options.erase ?? augment.maxErase,
      ...(options.catalog === undefined ? {} : { fill: 1 }),
      ...(options.saturation ? { maxSaturation: options.saturation } : {}),
      ...(options.hue ? { maxHue: options.hue } : {}),
      ...(options.grey ? { grey: options.grey } : {}),
    },
    objective: {
      ...objective,
      invarianceWeight: options.invariance ?? objective.invarianceWeight,
      groupSize: options.group ?? objective.groupSize,
      contrastive: options.contrastive ?? objective.contrastive,
      temperature: options.temperature ?? objective.temperature,
    },
    whiten: options.whiten ?? DEFAULT_TRAIN_CONFIG.whiten,
    whitenShrink: options.whitenShrink ?? DEFAULT_TRAIN_CONFIG.whitenShrink,
    model: {
      ...model,
      ...geometry,
      d: options.dim,
      filters: options.filters ?? model.filters,
      projectorHidden: options.projector ?? model.projectorHidden,
    },
  };
}

/**
 * The parseable per-epoch line:
 * `epoch=3/10 train_loss=0.012345 val_loss=0.011111 images_per_s=1234 elapsed_s=56.7`.
 */
export function epochLine(stats: EpochStats, epochs: number): string {
  return [
    `epoch=${stats.epoch}/${epochs}`,
    `train_loss=${stats.trainLoss.toFixed(6)}`,
    `val_loss=${stats.valLoss.toFixed(6)}`,
    `images_per_s=${stats.imagesPerSecond.toFixed(0)}`,
    `elapsed_s=${stats.elapsedSeconds.toFixed(1)}`,
  ].join(' ');
}

/**
 * Trains as `npm run train` does, on the backend already started (`backend`), writing into
 * `options.out`. Returns the final state.
 */
export async function runTraining(
  options: RunOptions,
  backend: BackendInfo,
  report: RunReporter,
): Promise<TrainerState> {
  const config = trainConfigOf(options);
  const out = resolve(options.out);
  const checkpointDir = join(out, 'checkpoint');
  if (!options.resume && existsSync(join(checkpointDir, 'state.json'))) {
    throw new Error(
      `--out ${options.out} already holds a run (checkpoint/state.json): pass ` +
        '--resume to continue it, or choose another --out',
    );
  }
  const loaded = await loadTrainingData(options, report.loading);
  const { images, identity: data } = loaded;
  for (const s of loaded.skipped) report.line(`skipped: ${s.path} (row ${s.row}): ${s.reason}`);
  report.line(
    `data: ${images.count} images ${images.height}×${images.width}×${images.channels} ` +
      `from ${data.file} (sha256 ${data.sha256.slice(0, 12)}…)` +
      (options.catalog === undefined ? '' : `, ${loaded.skipped.length} skipped`),
  );
  if ((config.whiten ?? 0) > 0 && images.count < config.model.d) {
    throw new Error(
      `--whiten ${config.whiten}: the whitening needs at least d=${config.model.d} training ` +
        `images, there are ${images.count}; pass --whiten 0 or more images`,
    );
  }
  const identity = { config: { ...config, epochs: undefined }, data };
  const command = options.resume ? commandsSoFar(out, options.command) : options.command;
  const state = options.resume
    ? await loadTrainerCheckpoint(checkpointDir, config, identity)
    : initTrainerState(config);
  if (options.resume) report.line(`resumed after epoch ${state.epoch} from ${checkpointDir}`);
  report.line(
    `model: d=${config.model.d}, encoder ${encoderMacs(config.model)} MACs/image, ` +
      `${state.model.encoder.countParams()} + ${state.model.decoder.countParams()} parameters`,
  );

  const whitenedPath = join(out, 'whitening.json');
  const hooks: TrainHooks = {
    onBatch: (done, total, loss) => {
      if (done === 1) report.epochStart?.(state.epoch + 1, total);
      report.batch?.(done, total, loss);
    },
    onEpoch: async (stats, s) => {
      report.epochEnd?.();
      report.line(epochLine(stats, config.epochs));
      await saveTrainerCheckpoint(checkpointDir, s, identity);
      await saveLayersModel(s.model.encoder, join(out, 'encoder'));
      // encoder/ is raw again: a whitening of an earlier finish no longer applies to it.
      rmSync(whitenedPath, { force: true });
      await saveLayersModel(s.model.decoder, join(out, 'decoder'));
      writeManifest(out, command, config, backend, loaded, s);
    },
  };
  const final = await train(images, config, state, hooks);
  if (final.epoch < config.epochs) return final;
  if (!((config.whiten ?? 0) > 0)) {
    if (existsSync(whitenedPath)) {
      // A finished run resumed with --whiten 0: back to the raw encoder of the last checkpoint.
      await saveLayersModel(final.model.encoder, join(out, 'encoder'));
      rmSync(whitenedPath);
      report.line('whitening: none, the raw encoder saved to encoder/');
    }
    // Complete now, also when an earlier finish failed in its whitening.
    writeManifest(out, command, config, backend, loaded, final);
  } else {
    // The last checkpoint keeps the raw encoder; the saved encoder/ is the whitened one.
    const whitening = fitWhitening(
      embedImages(final.model.encoder, images),
      config.model.d,
      config.whiten!,
      config.whitenShrink,
    );
    foldIntoEncoder(final.model.encoder, whitening.transform, whiteningOffset(whitening));
    await saveLayersModel(final.model.encoder, join(out, 'encoder'));
    const record = whiteningRecord(whitening, images.count);
    writeAtomically(whitenedPath, `${JSON.stringify(record)}\n`);
    writeManifest(out, command, config, backend, loaded, final, images.count);
    const l = whitening.eigenvalues;
    report.line(
      `whitening: alpha=${config.whiten} shrink=${whitening.shrink} fitted on ` +
        `${images.count} images (eigenvalues ${l[0].toPrecision(3)} … ` +
        `${l[l.length - 1].toPrecision(3)}), ` +
        'folded into encoder/',
    );
  }
  return final;
}

/** The commands recorded in `out`'s manifest, then `command` unless it was the last of them. */
function commandsSoFar(out: string, command: string | undefined): string | undefined {
  const path = join(out, 'manifest.json');
  const before = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as { command?: string }).command
    : undefined;
  if (before === undefined || command === undefined) return command ?? before;
  return before === command || before.endsWith(` && ${command}`)
    ? before
    : `${before} && ${command}`;
}

/**
 * `DIR/manifest.json` of a run, as written after each epoch and read back by the reports
 * (`npm run eval:attempts`, `npm run eval:catalog`).
 */
export type TrainingManifest = ReturnType<typeof trainingManifest>;

/** Writes `DIR/manifest.json` for the state after an epoch. */
function writeManifest(
  out: string,
  command: string | undefined,
  config: TrainConfig,
  backend: BackendInfo,
  data: Pick<TrainingData, 'identity' | 'details' | 'preprocess'>,
  state: TrainerState,
  whitenedOn?: number,
): void {
  const manifest = trainingManifest(command, config, backend, data, state, whitenedOn);
  writeAtomically(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The manifest of a run after its last finished epoch. */
function trainingManifest(
  command: string | undefined,
  config: TrainConfig,
  backend: BackendInfo,
  data: Pick<TrainingData, 'identity' | 'details' | 'preprocess'>,
  state: TrainerState,
  whitenedOn?: number,
) {
  const last = state.history.at(-1);
  return {
    format: TRAINING_MANIFEST_FORMAT,
    updatedAt: new Date().toISOString(),
    // Done when the last epoch is, and its whitening too when one is asked for.
    complete:
      state.epoch >= config.epochs && ((config.whiten ?? 0) === 0 || whitenedOn !== undefined),
    seed: config.seed,
    command,
    config,
    backend: { ...backend, tfjs: tf.version_core },
    data: { ...data.identity, ...data.details, labelsUsed: false },
    ...(data.preprocess ? { preprocess: data.preprocess } : {}),
    encoder: {
      path: 'encoder/model.json',
      format: 'tfjs layers-model',
      input: [null, config.model.height, config.model.width, config.model.channels],
      output: [null, config.model.d],
      normalised: false,
      macsPerImage: encoderMacs(config.model),
      whitening:
        whitenedOn === undefined
          ? undefined
          : {
              alpha: config.whiten,
              shrink: config.whitenShrink,
              images: whitenedOn,
              file: 'whitening.json',
            },
    },
    decoder: { path: 'decoder/model.json', input: 'L2-normalised embedding [N, d]' },
    epochsCompleted: state.epoch,
    losses: {
      metric: 'mean squared error per pixel',
      trainMetric:
        config.objective.invarianceWeight > 0
          ? config.objective.contrastive === 'infonce'
            ? 'objective: MSE + invarianceWeight · InfoNCE'
            : 'objective: MSE + invarianceWeight · (alignment + uniformity)'
          : 'mean squared error per pixel',
      train: last?.trainLoss,
      validation: last?.valLoss,
    },
    history: state.history,
  };
}
