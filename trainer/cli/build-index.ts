/**
 * `npm run index -- --model DIR --out DIR [--data DIR] [--catalog DIR]`: embeds a catalog with
 * the int8 ONNX encoder, builds its PQ index and item images, and writes them as a new catalog
 * version under `OUT/catalog/<version>/`, then points `OUT/catalog/current.json` at it. OUT is
 * the worker's static-assets folder (`artifacts/site` for `wrangler dev`).
 */
import { Command, InvalidArgumentError } from 'commander';
import { runCatalogBuild } from '../catalog/run.ts';
import { exitWithError } from './fail.ts';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} ${value} must be a positive integer`);
    }
    return n;
  };
}

function splitList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) {
    throw new InvalidArgumentError(`--split ${value} must be names separated by commas`);
  }
  return names;
}

const program = new Command('npm run index --')
  .description('Build a catalog version: embeddings, PQ index and item images')
  .requiredOption('--model <dir>', 'model directory (manifest.json + encoder.int8.onnx)')
  .option('--out <dir>', 'static-assets folder to write into', 'artifacts/site')
  .option('--data <dir>', 'Fashion-MNIST directory (default: searched)')
  .option('--catalog <dir>', 'custom catalog: a folder of images with a CSV or JSONL manifest')
  .option('--manifest <file>', 'the manifest inside --catalog (default: manifest.csv|.jsonl)')
  .option(
    '--split <names>',
    "only these splits of --catalog (comma-separated): the manifest's split column, " +
      'or else the first folder of each path',
    splitList,
  )
  .option(
    '--limit <n>',
    'only the first n images of each Fashion-MNIST split',
    positiveInt('--limit'),
  )
  .option('--version <name>', 'version name (default: the build time)')
  .option('--prefix <dir>', 'catalog folder inside --out (CATALOG_PREFIX)', 'catalog')
  .option('--no-publish', 'do not point current.json at the new version')
  .parse();

const opts = program.opts<{
  model: string;
  out: string;
  data?: string;
  catalog?: string;
  manifest?: string;
  split?: string[];
  limit?: number;
  version?: string;
  prefix: string;
  publish: boolean;
}>();

try {
  await runCatalogBuild({ ...opts, site: opts.out });
} catch (err) {
  exitWithError('index', err);
}
