/**
 * `npm run eval:catalog -- --catalog clothing|DIR [--manifest FILE] [--model DIR] [--base S]
 * [--queries S] [--k N] [--trained DIR] [--no-write]`: precision@k by category of the neighbours
 * in a catalog folder, for raw pixels, PCA and our embedding (exact and through the index), as
 * scripts/eval/folder-catalog.ts measures it; writes the section `quality-<name>` of
 * BENCHMARKS.md with how the model was trained (its training manifest, found through the
 * export's provenance or `--trained`). `--catalog clothing` names the clothing photos of
 * ../shared/data/clothing-dataset-small and the model `artifacts/models/clothing-onnx`.
 */
import { basename, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { initBackend } from '../trainer/backend.ts';
import { readModelDir } from '../trainer/export/model-dir.ts';
import { REPO_ROOT } from './lib/paths.ts';
import { writeSection } from './bench/_report.ts';
import { evaluateFolderCatalog } from './eval/folder-catalog.ts';
import { folderEvalMarkdown, readTraining, trainingText } from './eval/folder-report.ts';
import { exitWithError } from '../trainer/cli/fail.ts';

/** Catalogs known by name: their folder and the model directory the README builds. */
export const NAMED_CATALOGS: Readonly<Record<string, { catalog: string; model: string }>> = {
  clothing: {
    catalog: resolve(REPO_ROOT, '..', 'shared', 'data', 'clothing-dataset-small'),
    model: 'artifacts/models/clothing-onnx',
  },
};

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${name}=${value} must be a whole number from 1 to ${max}`);
    }
    return n;
  };
}

const list = (value: string) => value.split(',').map((s) => s.trim());

const opts = new Command('npm run eval:catalog --')
  .description('Precision@k by category in a catalog folder: pixels vs PCA vs our embedding')
  .requiredOption('--catalog <name|dir>', `a catalog folder, or ${Object.keys(NAMED_CATALOGS)}`)
  .option('--manifest <file>', 'its manifest (default: manifest.csv|.jsonl in the folder)')
  .option('--model <dir>', 'exported model directory (default: the named catalog’s)')
  .option('--base <splits>', 'splits searched: the catalog', list, ['train'])
  .option('--queries <splits>', 'splits whose images query it', list, ['test'])
  .option('--k <n>', 'neighbours judged per query', positiveInt('--k', 100), 5)
  .option('--trained <dir>', 'the npm run train --out folder (default: from the export)')
  .option('--no-write', 'print the tables without writing BENCHMARKS.md')
  .parse()
  .opts<{
    catalog: string;
    manifest?: string;
    model?: string;
    base: string[];
    queries: string[];
    k: number;
    trained?: string;
    write: boolean;
  }>();

const named = NAMED_CATALOGS[opts.catalog];
const catalog = named?.catalog ?? opts.catalog;
const model = opts.model ?? named?.model;
if (model === undefined) {
  console.error(`eval:catalog: pass --model DIR (the npm run export --out of this catalog)`);
  process.exit(2);
}
try {
  await initBackend('wasm');
  const result = await evaluateFolderCatalog({
    catalog,
    manifest: opts.manifest,
    model,
    base: opts.base,
    queries: opts.queries,
    k: opts.k,
    log: (line) => console.log(`eval: ${line}`),
  });
  const provenance = readModelDir(model, 'int8').manifest.provenance as { modelDir?: string };
  const trainedDir = opts.trained ?? provenance.modelDir;
  const training = readTraining(trainedDir);
  const text = folderEvalMarkdown(
    result,
    training && trainedDir ? trainingText(training, trainedDir) : undefined,
  );
  console.log(text);
  if (opts.write) {
    const name = named ? opts.catalog : basename(resolve(catalog));
    const args = process.argv.slice(2).join(' ');
    writeSection(
      `quality-${name}`,
      `Neighbour quality on the ${name} catalog: our embedding vs raw pixels and PCA`,
      `npm run eval:catalog -- ${args}`,
      text,
    );
    console.log(`wrote the quality-${name} section of ${join('BENCHMARKS.md')}`);
  }
} catch (err) {
  exitWithError('eval:catalog', err);
}
