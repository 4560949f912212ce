/**
 * `npm run eval`: how good are the neighbours? Issue 7's protocol on Fashion-MNIST
 * (scripts/eval/fashion-mnist.ts): the 10,000 test images query the 60,000 training images,
 * judged by category, for raw pixels, PCA, the fp32 and int8 embeddings (exact) and the index
 * as the catalog builder builds it, plus a sweep of index settings. Writes
 * `reports/eval.json`, `reports/eval.png` and BENCHMARKS.md's `quality` section.
 *
 * An evaluation returns an `EvalReport` (scripts/eval/types.ts) and the writers here take any
 * report. `npm run eval -- --catalog clothing|DIR ...` evaluates a folder catalog instead
 * (scripts/eval-catalog.ts, the same as `npm run eval:catalog`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

import { writeSection } from './bench/_report.ts';
import { REPO_ROOT } from './lib/paths.ts';
import { evalFashionMnist } from './eval/fashion-mnist.ts';
import { renderPng, renderSvg } from './eval/figure.ts';
import { gitState, machine, qualityMarkdown, toJsonRecord, type RunInfo } from './eval/report.ts';
import { LIST_LENGTH, type EvalReport } from './eval/types.ts';
import { exitWithError } from '../trainer/cli/fail.ts';

/** A parser of whole numbers from `min` to `max`, naming the option in its error. */
function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `${name}=${value} must be a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
}

interface EvalOptions {
  model: string;
  fp32Model?: string;
  data?: string;
  queries: number;
  base: number;
  pcaD?: number;
  out: string;
  write: boolean;
}

function parseOptions(argv: string[]): EvalOptions {
  return new Command('eval')
    .description('Neighbour quality by category: raw pixels, PCA, embeddings, the served index')
    .option('--model <dir>', 'model directory (manifest.json, encoder.int8.onnx)', 'models/default')
    .option('--fp32-model <dir>', 'directory of encoder.fp32.onnx (default: beside the int8 file)')
    .option('--data <dir>', 'Fashion-MNIST directory (default: the usual places)')
    .option(
      '--queries <n>',
      'first n test images as queries',
      wholeNumber('--queries', 1, 10_000),
      10_000,
    )
    .option(
      '--base <n>',
      'first n training images as the catalog',
      wholeNumber('--base', LIST_LENGTH, 60_000),
      60_000,
    )
    .option(
      '--pca-d <n>',
      "PCA dimensions (default: the model's d)",
      wholeNumber('--pca-d', 1, 784),
    )
    .option('--out <dir>', 'where eval.json and eval.png go', 'reports')
    .option(
      '--no-write',
      'print the tables only: write neither the reports nor BENCHMARKS.md (which a run writes ' +
        'only with all 10000 queries and 60000 catalog images)',
    )
    .parse(argv, { from: 'user' })
    .opts<EvalOptions>();
}

/** Writes the JSON, the figure (SVG and PNG) and, for a complete run, BENCHMARKS.md. */
async function writeOutputs(report: EvalReport, run: RunInfo, opts: EvalOptions, text: string) {
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, 'eval.json'), toJsonRecord(report, run));
  writeFileSync(join(opts.out, 'eval.svg'), await renderSvg(report));
  writeFileSync(join(opts.out, 'eval.png'), await renderPng(report));
  console.log(`eval: wrote ${join(opts.out, 'eval.json')}, eval.svg and eval.png`);
  if (!report.complete) {
    console.log('eval: BENCHMARKS.md left as it is: this run used a subset (--queries, --base)');
    return;
  }
  writeSection('quality', 'Neighbour quality (issue 7)', run.command, text);
  console.log('eval: wrote the quality section of BENCHMARKS.md');
}

const argv = process.argv.slice(2);
if (argv.some((a) => a === '--catalog' || a.startsWith('--catalog='))) {
  // A folder catalog has its own protocol and options; that script reads process.argv.
  await import('./eval-catalog.ts');
  process.exit(process.exitCode ?? 0);
}
const opts = parseOptions(argv);
const started = new Date();
const git = gitState(REPO_ROOT);
let report: EvalReport;
try {
  report = await evalFashionMnist({
    ...opts,
    progress: process.stderr.isTTY === true,
    log: (line) => console.error(line),
  });
} catch (err) {
  // Missing data or model files, a bad model: one line, as the other commands print them.
  exitWithError('eval', err);
}
const run: RunInfo = {
  command: argv.length > 0 ? `npm run eval -- ${argv.join(' ')}` : 'npm run eval',
  ...git,
  date: started.toISOString(),
  durationSeconds: (Date.now() - started.getTime()) / 1000,
  machine: machine(),
};
const text = qualityMarkdown(report, run);
console.log(text);
if (opts.write) await writeOutputs(report, run, opts, text);
