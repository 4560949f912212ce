/**
 * The options of `npm run train`, parsed and checked in one place. Every error names the
 * option, the value and the rule, e.g. "--epochs 0: must be an integer from 1 to 1000".
 */
import { basename, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../backend.ts';
import { DEFAULT_TRAIN_CONFIG } from '../train.ts';
import { CONTRASTIVE_KINDS, type ContrastiveKind } from '../train-objective.ts';

/** The resolved options of one training run. */
export interface TrainOptions {
  epochs: number;
  batch: number;
  /** Embedding dimension d. */
  dim: number;
  seed: number;
  /** Adam step size. */
  lr: number;
  /** Factor on the step size after each epoch. */
  lrDecay: number;
  /** Output directory (docs/design.md, "Model directories"). */
  out: string;
  /** Fashion-MNIST directory; undefined: the default places. */
  data?: string;
  /** Use only the first N training images; undefined: all 60,000. */
  limit?: number;
  resume: boolean;
  /** Threads sharing each batch (trainer/train-parallel.ts). */
  workers: number;
  /** Largest shift of a view, px. */
  shift: number;
  /** Standard deviation of the pixel noise of a view. */
  noise: number;
  /** Largest relative zoom of a view (0: none). */
  scale: number;
  /** Largest relative contrast change of a view (0: none). */
  contrast: number;
  /** Mirror views left–right at random. */
  flip: boolean;
  /** Largest side of the rectangle erased from a view, as a fraction of the image side. */
  erase: number;
  /** Weight of the two-view invariance term (0: reconstruction only). */
  invariance: number;
  /** Images per uniformity group of the invariance term. */
  group: number;
  /** The invariance term: alignment + uniformity, or InfoNCE (trainer/train-objective.ts). */
  contrastive: ContrastiveKind;
  /** Temperature τ of the InfoNCE term. */
  temperature: number;
  /** Hidden width of the projection head of the invariance term (0: no head). */
  projector: number;
  /** Output channels of the encoder's stride-2 convolutions, in order. */
  filters: number[];
  /** Exponent α of the whitening fitted after training (0: none). */
  whiten: number;
  /** Its shrinkage β: β·(mean eigenvalue) is added to each eigenvalue. */
  whitenShrink: number;
  backend: BackendChoice;
  verbose: boolean;
  /** A catalog folder of images to train on instead of Fashion-MNIST. */
  catalog?: string;
  /** Its manifest (default: searched in the folder). */
  manifest?: string;
  /** Only these splits of its manifest. */
  split?: string[];
  /** Side of its square RGB training images, px. */
  size?: number;
  /** Largest relative saturation change of an RGB view (0: none). */
  saturation: number;
  /** Largest hue rotation of an RGB view, in half turns (0: none). */
  hue: number;
  /** Probability that an RGB view is grey. */
  grey: number;
}

/**
 * Default thread count: 1. A constant, not the machine's core count, so that the same command
 * gives the same weights everywhere; `--workers 2` uses a second core when one is idle.
 */
export const DEFAULT_WORKERS = 1;

/** A bad command line: the message is meant for the user as it is. */
export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

/** A parser for an integer option in [min, max]. */
function integer(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new OptionError(`${flag} ${value}: must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

/** A parser for a number option in [min, max]. */
function decimal(flag: string, min: number, max: number, example: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new OptionError(
        `${flag} ${value}: must be a number from ${min} to ${max}, e.g. ${example}`,
      );
    }
    return n;
  };
}

function filterList(value: string): number[] {
  const parts = value.split(',');
  const ok = parts.length >= 1 && parts.length <= 5 && parts.every((p) => /^\d+$/.test(p.trim()));
  const list = parts.map(Number);
  if (!ok || list.some((f) => f < 1 || f > 512)) {
    throw new OptionError(
      `--filters ${value}: must be 1 to 5 comma-separated integers from 1 to 512, e.g. 16,32,64`,
    );
  }
  return list;
}

function splitList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) {
    throw new OptionError(`--split ${value}: must be split names separated by commas, e.g. train`);
  }
  return names;
}

function learningRate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) {
    throw new OptionError(`--lr ${value}: must be a number in (0, 1], e.g. 0.002`);
  }
  return n;
}

function buildProgram(): Command {
  const d = DEFAULT_TRAIN_CONFIG;
  const a = d.augment;
  return new Command('npm run train --')
    .description('Train the convolutional autoencoder on Fashion-MNIST images (no labels).')
    .option(
      '--epochs <n>',
      'passes over the training images',
      integer('--epochs', 1, 1000),
      d.epochs,
    )
    .option('--batch <n>', 'images per optimizer step', integer('--batch', 8, 4096), d.batchSize)
    .option('--dim <d>', 'embedding dimension d', integer('--dim', 2, 1024), d.model.d)
    .option(
      '--seed <s>',
      'seed of initialisation, shuffling and corruption',
      integer('--seed', 0, 2 ** 32 - 1),
      d.seed,
    )
    .option(
      '--lr <rate>',
      'Adam step size of epoch 1 (× --lr-decay each epoch after)',
      learningRate,
      d.learningRate,
    )
    .option(
      '--lr-decay <f>',
      'factor on the step size after each epoch (1: constant)',
      decimal('--lr-decay', 0.01, 1, '0.97'),
      d.learningRateDecay,
    )
    .option('--out <dir>', 'output directory (default: artifacts/models/fmnist-d<dim>)')
    .option(
      '--data <dir>',
      'Fashion-MNIST directory (default: ../shared/data/fashion-mnist, ' +
        'then /usr/share/datasets/fashion-mnist)',
    )
    .option('--limit <n>', 'use only the first n training images', integer('--limit', 16, 60_000))
    .option('--resume', 'continue from DIR/checkpoint', false)
    .option(
      '--workers <n>',
      'threads sharing each batch (same count, same weights)',
      integer('--workers', 1, 16),
      DEFAULT_WORKERS,
    )
    .option('--shift <px>', 'largest shift of a view, px', integer('--shift', 0, 8), a.maxShiftPx)
    .option(
      '--noise <std>',
      'pixel noise of a view (σ)',
      decimal('--noise', 0, 1, '0.1'),
      a.noiseStd,
    )
    .option(
      '--scale <s>',
      'largest zoom of a view, ×[1−s, 1+s] (0: none)',
      decimal('--scale', 0, 0.5, '0.15'),
      a.maxScale ?? 0,
    )
    .option(
      '--contrast <j>',
      'largest contrast change of a view, ×[1−j, 1+j] (0: none)',
      decimal('--contrast', 0, 0.9, '0.3'),
      a.maxContrast ?? 0,
    )
    .option(
      '--erase <e>',
      'largest side of a rectangle blanked out of a view, fraction of the image side (0: none)',
      decimal('--erase', 0, 1, '0.5'),
      a.maxErase ?? 0,
    )
    .option(
      '--saturation <s>',
      'largest saturation change of an RGB view, ×[1−s, 1+s] (0: none)',
      decimal('--saturation', 0, 1, '0.5'),
      a.maxSaturation ?? 0,
    )
    .option(
      '--hue <h>',
      'largest hue rotation of an RGB view, ±h·180° (0: none)',
      decimal('--hue', 0, 1, '0.1'),
      a.maxHue ?? 0,
    )
    .option(
      '--grey <p>',
      'probability that an RGB view is grey',
      decimal('--grey', 0, 1, '0.2'),
      a.grey ?? 0,
    )
    .option('--flip', 'mirror views left–right at random', a.flip ?? false)
    .option('--no-flip', 'never mirror views')
    .option(
      '--invariance <w>',
      'weight of the two-view alignment + uniformity term (0: reconstruction only)',
      decimal('--invariance', 0, 100, '0.05'),
      d.objective.invarianceWeight,
    )
    .option(
      '--group <n>',
      'images per uniformity group (must divide batch / workers)',
      integer('--group', 2, 4096),
      d.objective.groupSize,
    )
    .addOption(
      new Option('--contrastive <kind>', 'the invariance term')
        .choices(CONTRASTIVE_KINDS as unknown as string[])
        .default(d.objective.contrastive ?? 'uniformity'),
    )
    .option(
      '--temperature <t>',
      'temperature τ of the InfoNCE term',
      decimal('--temperature', 0.01, 10, '0.2'),
      d.objective.temperature ?? 0.2,
    )
    .option(
      '--projector <n>',
      'hidden width of the projection head of the invariance term (0: none)',
      integer('--projector', 0, 4096),
      d.model.projectorHidden ?? 0,
    )
    .option(
      '--whiten <alpha>',
      'centred whitening of the embedding fitted after training, exponent α (0: none, 1: full);' +
        ' a finished run resumed with its own options (--epochs …) is refitted without training',
      decimal('--whiten', 0, 1, '0.5'),
      d.whiten ?? 0,
    )
    .option(
      '--whiten-shrink <beta>',
      'shrinkage of that whitening: β times the mean eigenvalue is added to each eigenvalue',
      decimal('--whiten-shrink', 0, 100, '1'),
      d.whitenShrink ?? 0,
    )
    .option('--filters <list>', 'channels of the encoder convolutions', filterList, d.model.filters)
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend')
        .choices(BACKEND_CHOICES as string[])
        .default('auto'),
    )
    .option('--catalog <dir>', 'train on a folder of images with a manifest, not Fashion-MNIST')
    .option('--manifest <file>', 'the manifest of --catalog (default: manifest.csv|.jsonl)')
    .option(
      '--split <names>',
      "only these splits of --catalog: the manifest's split column, or each path's first folder",
      splitList,
    )
    .option(
      '--size <px>',
      'side of the square RGB images of --catalog (default 64)',
      integer('--size', 8, 512),
    )
    .option('--verbose', 'log details', false)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
}

/** The help text of `npm run train -- --help`. */
export function trainHelp(): string {
  return buildProgram().helpInformation();
}

/**
 * Parses command-line arguments (without `node` and the script). Returns the resolved options,
 * or 'help' for --help. Throws OptionError naming the option, the value and the rule.
 */
export function parseTrainOptions(argv: string[]): TrainOptions | 'help' {
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof OptionError) throw err;
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return 'help';
      const cause = (err as CommanderError & { cause?: unknown }).cause;
      if (cause instanceof OptionError) throw cause;
      throw new OptionError(err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  if (program.args.length > 0) {
    throw new OptionError(`unexpected argument '${program.args[0]}': options start with --`);
  }
  const o = program.opts<Omit<TrainOptions, 'out'> & { out?: string }>();
  if (o.batch % o.workers !== 0) {
    throw new OptionError(`--batch ${o.batch}: must be a multiple of --workers ${o.workers}`);
  }
  if (o.invariance > 0 && (o.batch / o.workers) % o.group !== 0) {
    throw new OptionError(
      `--group ${o.group}: must divide the ${o.batch / o.workers} images per thread ` +
        `(--batch ${o.batch} / --workers ${o.workers})`,
    );
  }
  if (o.limit !== undefined && o.limit < 2 * o.batch) {
    throw new OptionError(
      `--limit ${o.limit}: must be at least twice --batch ${o.batch}, so ` +
        'that a batch remains after holding out validation images',
    );
  }
  for (const flag of ['manifest', 'split', 'size'] as const) {
    if (o[flag] !== undefined && o.catalog === undefined) {
      throw new OptionError(`--${flag} applies to --catalog DIR; pass --catalog too`);
    }
  }
  return { ...o, out: o.out ?? defaultOut(o) };
}

/** `artifacts/models/fmnist-d64`, or for a catalog `artifacts/models/<folder>-64px-d64`. */
function defaultOut(o: Pick<TrainOptions, 'catalog' | 'size' | 'dim'>): string {
  if (o.catalog === undefined) return `artifacts/models/fmnist-d${o.dim}`;
  return `artifacts/models/${basename(resolve(o.catalog))}-${o.size ?? 64}px-d${o.dim}`;
}
