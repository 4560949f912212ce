/**
 * The batch refresh's dry run, end to end: a small custom catalog (a folder of PNGs and a CSV
 * manifest) is built with a test encoder, staged and bundled by `wrangler deploy --dry-run
 * --outdir`, and the bundle's gzip size is checked against the plan limit. A rollback then
 * stages the version deployed before.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import encodePng, { init as initPngEncoder } from '@jsquash/png/encode.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages, locateFashionMnist } from '../../trainer/data/fashion-mnist.ts';
import { deployPaths, PLAN_LIMIT_BYTES, writeDeployConfig } from '../../scripts/lib/deploy.ts';
import { REPO_ROOT } from '../../scripts/lib/paths.ts';
import { fixtureManifest, fixtureModelBytes } from '../edge/fixtures/model.ts';

const ROOT = join(REPO_ROOT, 'artifacts', 'test', 'deploy');
const CATALOG = join(ROOT, 'shop');
const MODEL = join(ROOT, 'model');
const OUT = join(ROOT, 'out');
/** Items of the test catalog: enough for 8-bit PQ codebooks (256 centroids). */
const ITEMS = 300;

function deploy(...args: string[]) {
  const run = spawnSync('npx', ['tsx', 'scripts/deploy.ts', ...args, '--out', OUT], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

async function writeShop(): Promise<void> {
  const wasm = fileURLToPath(import.meta.resolve('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'));
  await initPngEncoder(new WebAssembly.Module(readFileSync(wasm)));
  const images = loadImages(locateFashionMnist(), 'test', { limit: ITEMS });
  mkdirSync(join(CATALOG, 'img'), { recursive: true });
  const rows = ['id,path,category,title'];
  for (let i = 0; i < ITEMS; i++) {
    const data = new Uint8ClampedArray(28 * 28 * 4);
    for (let p = 0; p < 784; p++) {
      const v = 255 - Math.round(images.pixels[i * 784 + p] * 255);
      data.set([v, v, v, 255], p * 4);
    }
    const png = await encodePng({ data, width: 28, height: 28, colorSpace: 'srgb' });
    writeFileSync(join(CATALOG, 'img', `${i}.png`), new Uint8Array(png));
    rows.push(`sku-${i},img/${i}.png,${i % 2 ? 'odd' : 'even'},"Item ${i}, test"`);
  }
  writeFileSync(join(CATALOG, 'manifest.csv'), `${rows.join('\n')}\n`);
  const bytes = fixtureModelBytes();
  mkdirSync(MODEL, { recursive: true });
  writeFileSync(join(MODEL, 'encoder.int8.onnx'), bytes);
  writeFileSync(join(MODEL, 'manifest.json'), JSON.stringify(fixtureManifest(bytes)));
}

beforeAll(async () => {
  rmSync(ROOT, { recursive: true, force: true });
  await writeShop();
}, 120_000);

describe('npm run deploy', () => {
  it('pins the catalog version in the deploy config', () => {
    const paths = deployPaths(join(ROOT, 'config-only'));
    writeDeployConfig(paths, 'v-test');
    const text = readFileSync(paths.config, 'utf8');
    expect(text).toMatch(/^CATALOG_VERSION = "v-test"$/m);
    expect(text).toMatch(/^main = "\.\.\/\.\.\/\.\.\/\.\.\/edge\/worker\.ts"$/m);
    expect(text).not.toMatch(/^\[build\]/m);
  });

  it('dry-runs a custom catalog and fits the bundle in the paid plan', () => {
    const first = deploy('--catalog', CATALOG, '--model', MODEL, '--dry-run');
    expect(first.status, first.output).toBe(0);
    const size = first.output.match(/bundle: \d+ files, [\d.]+ MiB raw, ([\d.]+) MiB gzip/);
    expect(size, first.output).not.toBeNull();
    expect(Number(size?.[1]) * 1024 * 1024).toBeLessThanOrEqual(PLAN_LIMIT_BYTES.paid);
    expect(first.output).toMatch(/items=300 /);
    const paths = deployPaths(OUT);
    expect(existsSync(join(paths.bundle, 'worker.js'))).toBe(true);
    const pointer = JSON.parse(readFileSync(join(paths.site, 'catalog', 'current.json'), 'utf8'));
    expect(existsSync(join(paths.site, 'catalog', pointer.version, 'images', '000.bin'))).toBe(
      true,
    );
    expect(existsSync(join(paths.site, 'index.html'))).toBe(true);
  });

  it('refuses a rollback with fewer than two versions deployed', () => {
    const result = deploy('--rollback', '--dry-run');
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/a rollback needs two versions/);
  });

  it('rolls back to the version deployed before', () => {
    const second = deploy('--catalog', CATALOG, '--model', MODEL, '--dry-run');
    expect(second.status, second.output).toBe(0);
    const paths = deployPaths(OUT);
    const [older, newer] = readdirSync(paths.versions).sort();
    const entry = { deployedAt: '', modelSha256: '', items: ITEMS, catalog: CATALOG };
    const record = [older, newer].map((version) => ({ ...entry, version }));
    writeFileSync(paths.record, JSON.stringify(record));
    const back = deploy('--rollback', '--dry-run');
    expect(back.status, back.output).toBe(0);
    expect(back.output).toContain(`rollback: ${newer} -> ${older}`);
    const pointer = JSON.parse(readFileSync(join(paths.site, 'catalog', 'current.json'), 'utf8'));
    expect(pointer.version).toBe(older);
    const config = readFileSync(paths.config, 'utf8');
    expect(config).toMatch(new RegExp(`^CATALOG_VERSION = "${older}"$`, 'm'));
  });
});
