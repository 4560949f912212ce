/**
 * `npm start [-- --port N --retrain --data DIR --model DIR --rebuild --catalogs NAMES]`: from a
 * fresh clone to a live service. Finds the Fashion-MNIST data, builds the default catalog (all
 * 70,000 images: index and item images) with the committed encoder when it is missing or stale
 * (a stamp of the model's sha256, the data files' sha256 and the builder's version), copies the
 * demo page, then serves with `wrangler dev` on 127.0.0.1 and prints example URLs. `--retrain`
 * trains and exports the encoder again first (about half an hour on 2 cores). `--catalogs
 * clothing` also serves the catalogs built under `artifacts/site/catalogs/<name>/` (README,
 * "Your own catalog") at `/v1/catalogs/<name>/…`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { readModelDir } from '../trainer/catalog/build.ts';
import { runCatalogBuild } from '../trainer/catalog/run.ts';
import { FASHION_MNIST_FILES, locateFashionMnist } from '../trainer/data/fashion-mnist.ts';
import { sha256Hex } from '../trainer/data/fashion-mnist.ts';
import {
  CATALOG_PREFIX,
  DEFAULT_MODEL_DIR,
  REPO_ROOT,
  resolveModelDir,
  SITE_DIR,
} from './lib/paths.ts';
import { builderVersion, copyDemo, pruneVersions, staleReason, writeStamp } from './lib/site.ts';
import { portIsFree, startWranglerDev } from './lib/wrangler.ts';
import { CATALOG_NAME_PATTERN } from '../edge/config.ts';
import { exitWithError } from '../trainer/cli/fail.ts';

interface StartOptions {
  port: number;
  catalogs: string[];
  retrain: boolean;
  rebuild: boolean;
  data?: string;
  model?: string;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InvalidArgumentError(`--port ${value} must be an integer from 1 to 65535`);
  }
  return n;
}

function parseOptions(): StartOptions {
  return new Command('npm start --')
    .description('Build the default catalog when needed and serve it with wrangler dev')
    .option('--port <n>', 'port on 127.0.0.1', port, 8787)
    .option('--retrain', 'train and export the default encoder again first', false)
    .option('--rebuild', 'rebuild the catalog even when it is current', false)
    .option('--data <dir>', 'Fashion-MNIST directory (default: searched)')
    .option('--model <dir>', 'encoder directory (default: models/default)')
    .option(
      '--catalogs <names>',
      'also serve these catalogs of artifacts/site/catalogs/ (comma-separated)',
      catalogNames,
      [],
    )
    .parse()
    .opts<StartOptions>();
}

function catalogNames(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  const bad = names.find((n) => !CATALOG_NAME_PATTERN.test(n));
  if (bad !== undefined) {
    throw new InvalidArgumentError(`'${bad}' is not a catalog name (1–32 of a-z, 0-9 and -)`);
  }
  return names;
}

/** Throws, saying how to build it, unless each named catalog has a published version. */
function checkNamedCatalogs(names: string[]): void {
  for (const name of names) {
    const pointer = join(SITE_DIR, 'catalogs', name, 'current.json');
    if (!existsSync(pointer)) {
      throw new Error(
        `--catalogs ${name}: ${pointer} is missing; build it first with npm run index -- ` +
          `--model DIR --catalog FOLDER --out artifacts/site --prefix catalogs/${name} ` +
          '(README, "Your own catalog")',
      );
    }
  }
}

/** Runs an npm script in the foreground; throws when it fails. */
function npmRun(script: string, args: string[]): void {
  console.log(`$ npm run ${script} -- ${args.join(' ')}`);
  const run = spawnSync('npm', ['run', script, '--', ...args], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`npm run ${script} failed (exit ${run.status})`);
}

function retrain(data: string): void {
  const trained = join(REPO_ROOT, 'artifacts', 'models', 'retrain');
  npmRun('train', ['--data', data, '--out', trained]);
  npmRun('export', ['--model', trained, '--data', data, '--out', DEFAULT_MODEL_DIR]);
}

/** sha256 of the four Fashion-MNIST files: the data part of the stamp. */
function dataFingerprints(dir: string): string[] {
  return Object.values(FASHION_MNIST_FILES).map((f) => sha256Hex(readFileSync(join(dir, f))));
}

async function ensureCatalog(options: StartOptions, dataDir: string): Promise<void> {
  const modelDir = resolveModelDir(options.model);
  const model = readModelDir(modelDir);
  const catalogDir = join(SITE_DIR, CATALOG_PREFIX);
  const want = {
    modelSha256: model.sha256,
    dataSha256: dataFingerprints(dataDir),
    builder: builderVersion(),
  };
  const reason = options.rebuild ? 'asked to rebuild' : staleReason(catalogDir, want);
  if (reason === undefined) {
    console.log(`catalog: current (model ${model.sha256.slice(0, 12)}…), not rebuilt`);
    return;
  }
  console.log(`catalog: building, ${reason}`);
  const summary = await runCatalogBuild({ model: modelDir, site: SITE_DIR, data: dataDir });
  writeStamp(catalogDir, { ...want, version: summary.version });
  pruneVersions(catalogDir, [summary.version]);
}

function printUrls(url: string, catalogs: string[]): void {
  const id = 'fm-test-00000';
  console.log(`
serving on ${url}
  demo page        ${url}/
  health           ${url}/healthz
  index            ${url}/v1/index
  an item          ${url}/v1/items/${id}
  its image        ${url}/v1/items/${id}/image
  similar items    ${url}/v1/items/${id}/similar?k=5
  similar, shoes   ${url}/v1/items/${id}/similar?k=5&category=Sneaker
  by photo         curl -X POST -H 'Content-Type: image/jpeg' --data-binary @photo.jpg \\
                     '${url}/v1/search/image?k=5'
  API document     ${url}/openapi.json`);
  for (const name of catalogs) {
    const api = `${url}/v1/catalogs/${name}`;
    console.log(`catalog ${name}
  demo page        ${url}/?catalog=${name}
  index            ${api}/index
  by photo         curl -X POST -H 'Content-Type: image/jpeg' --data-binary @photo.jpg \\
                     '${api}/search/image?k=5'`);
  }
  console.log('Ctrl-C stops.');
}

async function main(): Promise<void> {
  const started = performance.now();
  const options = parseOptions();
  if (!(await portIsFree(options.port))) {
    throw new Error(`port ${options.port} is in use (another npm start?); pass --port N`);
  }
  const dataDir = locateFashionMnist(options.data);
  checkNamedCatalogs(options.catalogs);
  if (options.retrain) retrain(dataDir);
  await ensureCatalog(options, dataDir);
  copyDemo(SITE_DIR);
  console.log(`wrangler dev: starting on 127.0.0.1:${options.port}…`);
  const vars = options.catalogs.length ? { CATALOGS: options.catalogs.join(',') } : undefined;
  const server = await startWranglerDev({ port: options.port, vars });
  printUrls(server.url, options.catalogs);
  console.log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  let stopping = false;
  const stop = () => {
    stopping = true;
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  server.child.once('exit', (code) => {
    if (stopping) return;
    console.error(
      `wrangler dev exited (${code}); its last output:\n${server.output().slice(-2000)}`,
    );
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  exitWithError('start', err);
});
