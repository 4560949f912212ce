/**
 * `npm run export -- --model DIR --out DIR2 [--fp32-out DIR3] [--data DIR] [--calibration N]
 * [--validation N] [--seed S] [--backend NAME] [--verbose]`: exports the trained encoder of DIR
 * to `DIR2/encoder.fp32.onnx` (or DIR3), `DIR2/encoder.int8.onnx` and `DIR2/manifest.json`
 * (docs/design.md, "Model directories"). Exit status: 0 done, 1 failure, 2 bad options.
 */
import { Command, InvalidArgumentError } from 'commander';

import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../backend.ts';
import { runExport } from '../export/export-run.ts';
import { exitWithError } from './fail.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${value} is not a positive integer`);
  return n;
}

function backendChoice(value: string): BackendChoice {
  if (!(BACKEND_CHOICES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`'${value}' is not one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return value as BackendChoice;
}

const program = new Command('export')
  .description('Export the trained TensorFlow.js encoder to fp32 and static int8 (QDQ) ONNX')
  .requiredOption('--model <dir>', 'trained model directory (npm run train -- --out DIR)')
  .requiredOption('--out <dir>', 'model directory to write (int8 file and manifest.json)')
  .option('--fp32-out <dir>', 'directory for encoder.fp32.onnx (default: --out)')
  .option('--data <dir>', 'Fashion-MNIST directory (default: searched)')
  .option(
    '--calibration <n>',
    'training images that calibrate activation ranges',
    positiveInt,
    1024,
  )
  .option(
    '--validation <n>',
    'other training images that compare calibration methods',
    positiveInt,
    512,
  )
  .option('--seed <n>', 'seed of the image sample', positiveInt, 1)
  .option('--backend <name>', 'TensorFlow.js backend for the parity check', backendChoice, 'auto')
  .option('--verbose', 'print stack traces of errors')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program.parse();
const opts = program.opts<{
  model: string;
  out: string;
  fp32Out?: string;
  data?: string;
  calibration: number;
  validation: number;
  seed: number;
  backend: BackendChoice;
  verbose?: boolean;
}>();

try {
  const backend = await initBackend(opts.backend);
  console.log(`backend: ${backend.name} (${backend.package})`);
  const started = Date.now();
  await runExport(opts, (line) => console.log(line));
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  exitWithError('export', err, opts.verbose);
}
