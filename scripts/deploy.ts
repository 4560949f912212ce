/**
 * `npm run deploy -- [--catalog DIR] [--dry-run] [--rollback]`: the batch refresh. Builds the
 * catalog's new version (index and item images) with the current encoder, stages it with the
 * demo page as the worker's static assets, pins CATALOG_VERSION to it, and deploys worker and
 * assets together with `wrangler deploy` (one Worker version: see scripts/lib/deploy.ts for why
 * no isolate can mix versions). `--rollback` deploys the version before the current one from
 * the local record (artifacts/deploy/deployments.json). `--dry-run` bundles without deploying
 * (`wrangler deploy --dry-run --outdir`) and checks the gzip size against the plan's limit.
 */
import { spawnSync } from 'node:child_process';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readModelDir } from '../trainer/catalog/build.ts';
import { newVersionName } from '../trainer/catalog/build.ts';
import { runCatalogBuild } from '../trainer/catalog/run.ts';
import {
  appendRecord,
  bundleSize,
  deployPaths,
  mib,
  PLAN_LIMIT_BYTES,
  planFor,
  previousVersion,
  readRecord,
  stageSite,
  writeDeployConfig,
  type Plan,
} from './lib/deploy.ts';
import { REPO_ROOT, resolveModelDir, WRANGLER_BIN } from './lib/paths.ts';
import { wranglerEnv } from './lib/wrangler.ts';
import { exitWithError } from '../trainer/cli/fail.ts';

interface DeployOptions {
  catalog?: string;
  manifest?: string;
  data?: string;
  model?: string;
  limit?: number;
  dryRun: boolean;
  rollback: boolean;
  plan: Plan;
  out?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`--limit ${value} must be a positive integer`);
  }
  return n;
}

function parseOptions(): DeployOptions {
  return new Command('npm run deploy --')
    .description('Build a catalog version and deploy it with the worker (or roll back)')
    .option(
      '--catalog <dir>',
      'catalog folder: images + manifest.csv|jsonl (default Fashion-MNIST)',
    )
    .option('--manifest <file>', 'the manifest inside --catalog')
    .option('--data <dir>', 'Fashion-MNIST directory when no --catalog (default: searched)')
    .option('--model <dir>', 'encoder directory (default: models/default)')
    .option('--limit <n>', 'only the first n images of each Fashion-MNIST split', positiveInt)
    .option('--dry-run', 'bundle with wrangler deploy --dry-run --outdir; deploy nothing', false)
    .option('--rollback', 'deploy the version before the current one again', false)
    .addOption(
      new Option('--plan <plan>', 'Workers plan whose size limit the bundle must fit')
        .choices(['free', 'paid'])
        .default('paid'),
    )
    .option('--out <dir>', 'working folder (default artifacts/deploy)')
    .parse()
    .opts<DeployOptions>();
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, env: wranglerEnv(), stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(
      `${command.split('/').at(-1)} ${args.join(' ')} failed (exit ${result.status})`,
    );
  }
}

/** Bundles without deploying and checks the compressed size against the plan. */
function dryRun(paths: ReturnType<typeof deployPaths>, plan: Plan): void {
  const target = ['--config', paths.config, '--env', ''];
  run(WRANGLER_BIN, ['deploy', '--dry-run', '--outdir', paths.bundle, ...target]);
  const size = bundleSize(paths.bundle);
  const fits = planFor(size.gzip);
  console.log(
    `bundle: ${size.files} files, ${mib(size.raw)} raw, ${mib(size.gzip)} gzip; ` +
      `limits: free ${mib(PLAN_LIMIT_BYTES.free)}, paid ${mib(PLAN_LIMIT_BYTES.paid)}; ` +
      `needs the ${fits ?? 'no'} plan`,
  );
  if (size.gzip > PLAN_LIMIT_BYTES[plan]) {
    const limit = mib(PLAN_LIMIT_BYTES[plan]);
    throw new Error(`the bundle is ${mib(size.gzip)} gzip, over the ${plan} plan's ${limit}`);
  }
}

async function buildVersion(o: DeployOptions, paths: ReturnType<typeof deployPaths>) {
  const modelDir = resolveModelDir(o.model);
  const version = newVersionName();
  const summary = await runCatalogBuild({
    model: modelDir,
    site: `${paths.versions}/${version}`,
    catalog: o.catalog,
    manifest: o.manifest,
    data: o.data,
    limit: o.limit,
    version,
  });
  const model = readModelDir(modelDir);
  return { version, items: summary.count, modelSha256: model.sha256 };
}

async function main(): Promise<void> {
  const o = parseOptions();
  const paths = deployPaths(o.out);
  const record = readRecord(paths.record);
  let entry;
  if (o.rollback) {
    const target = previousVersion(record);
    const current = record.at(-1)?.version;
    console.log(`rollback: ${current} -> ${target.version}`);
    entry = { ...target, rollbackOf: current };
  } else {
    run('npx', ['tsx', 'scripts/build-wasm.ts']);
    const built = await buildVersion(o, paths);
    entry = { ...built, catalog: o.catalog ?? 'fashion-mnist' };
  }
  stageSite(paths, entry.version);
  writeDeployConfig(paths, entry.version);
  if (o.dryRun) {
    dryRun(paths, o.plan);
    console.log(`dry run: version ${entry.version} staged in ${paths.site}; nothing deployed`);
    return;
  }
  run(WRANGLER_BIN, ['deploy', '--config', paths.config, '--env', '']);
  appendRecord(paths.record, { ...entry, deployedAt: new Date().toISOString() });
  console.log(`deployed version ${entry.version}; record: ${paths.record}`);
}

main().catch((err: unknown) => {
  exitWithError('deploy', err);
});
