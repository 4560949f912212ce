/**
 * `npm run embed -- --model DIR --out FILE --split train|test [--variant int8|fp32]
 * [--fp32-dir DIR] [--data DIR] [--limit N] [--verbose]`: embeds a Fashion-MNIST split with the
 * exported model in onnxruntime-web and writes `FILE` (little-endian float32 [N, d]) and
 * `FILE.json` `{ count, d, split, modelSha256 }`. Exit status: 0 done, 1 failure, 2 bad options.
 */
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';

import type { ModelVariant } from '../../core/model/manifest.ts';
import type { Split } from '../data/fashion-mnist.ts';
import { runEmbed } from '../export/embed-run.ts';
import { exitWithError } from './fail.ts';

function oneOf<T extends string>(allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`'${value}' is not one of ${allowed.join(', ')}`);
    }
    return value as T;
  };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`${value} is not a positive integer`);
  }
  return n;
}

const program = new Command('embed')
  .description('Embed Fashion-MNIST with the exported ONNX model (onnxruntime-web, one thread)')
  .requiredOption('--model <dir>', 'model directory (npm run export -- --out DIR)')
  .requiredOption('--out <file>', 'embeddings file to write (FILE.json beside it)')
  .requiredOption('--split <split>', 'train or test', oneOf<Split>(['train', 'test']))
  .option('--variant <v>', 'int8 or fp32', oneOf<ModelVariant>(['int8', 'fp32']), 'int8')
  .option('--fp32-dir <dir>', 'directory of encoder.fp32.onnx (default: --model)')
  .option('--data <dir>', 'Fashion-MNIST directory (default: searched)')
  .option('--limit <n>', 'embed only the first N images', positiveInt)
  .option('--verbose', 'print stack traces of errors')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program.parse();
const opts = program.opts<{
  model: string;
  out: string;
  split: Split;
  variant: ModelVariant;
  fp32Dir?: string;
  data?: string;
  limit?: number;
  verbose?: boolean;
}>();

const bar = new SingleBar(
  {
    format: 'embed {split} [{bar}] {value}/{total} images, eta {eta}s',
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
  },
  Presets.shades_classic,
);
try {
  const started = Date.now();
  let begun = false;
  const info = await runEmbed(opts, (done, total) => {
    if (!begun) bar.start(total, 0, { split: opts.split });
    begun = true;
    bar.update(done);
  });
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `wrote ${opts.out}: ${info.count} × ${info.d} float32 (${info.variant}, model ` +
      `${info.modelSha256.slice(0, 12)}), ${(info.count / seconds).toFixed(0)} images/s`,
  );
} catch (err) {
  bar.stop();
  exitWithError('embed', err, opts.verbose);
}
