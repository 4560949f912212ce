/**
 * A small site for the browser test: 2 × 500 Fashion-MNIST images indexed with the default
 * encoder (or, on a checkout without one, the edge tests' random-projection encoder), the demo
 * page, and a wrangler config that serves them with the real worker entry.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildCatalogVersion, publishVersion, readModelDir } from '../../trainer/catalog/build.ts';
import type { ModelFiles } from '../../trainer/catalog/build.ts';
import { fashionMnistCatalog } from '../../trainer/catalog/fashion-mnist.ts';
import { locateFashionMnist } from '../../trainer/data/fashion-mnist.ts';
import { parseModelManifest } from '../../core/model/manifest.ts';
import { REPO_ROOT, resolveModelDir } from '../../scripts/lib/paths.ts';
import { copyDemo } from '../../scripts/lib/site.ts';
import { fixtureManifest, fixtureModelBytes } from '../edge/fixtures/model.ts';

/** Root of the browser test's files (gitignored). */
export const BROWSER_ROOT = join(REPO_ROOT, 'artifacts', 'test', 'browser');
/** Images taken from each Fashion-MNIST split. */
export const IMAGES_PER_SPLIT = 500;
/** The version name of the test catalog. */
export const TEST_VERSION = 'browser-test';

function model(): ModelFiles {
  try {
    return readModelDir(resolveModelDir());
  } catch {
    const bytes = fixtureModelBytes();
    const manifest = fixtureManifest(bytes);
    const json = JSON.parse(JSON.stringify(manifest)) as ModelFiles['json'];
    parseModelManifest(json);
    return { manifest, json, bytes, sha256: manifest.files.int8.sha256 };
  }
}

/** Builds the site and its wrangler config; returns the config's path. */
export async function buildBrowserSite(): Promise<string> {
  const site = join(BROWSER_ROOT, 'site');
  rmSync(site, { recursive: true, force: true });
  const source = fashionMnistCatalog(locateFashionMnist(), { limit: IMAGES_PER_SPLIT });
  await buildCatalogVersion({
    source,
    model: model(),
    site,
    prefix: 'catalog',
    version: TEST_VERSION,
  });
  publishVersion(site, 'catalog', TEST_VERSION);
  copyDemo(site);
  const config = join(BROWSER_ROOT, 'wrangler.toml');
  const main = relative(BROWSER_ROOT, join(REPO_ROOT, 'edge', 'worker.ts'));
  mkdirSync(BROWSER_ROOT, { recursive: true });
  writeFileSync(
    config,
    [
      'name = "fashion-similarity-browser-test"',
      `main = "${main}"`,
      'compatibility_date = "2026-04-01"',
      '[assets]',
      'directory = "./site"',
      'binding = "ASSETS"',
      'run_worker_first = ["/v1/*", "/healthz", "/openapi.json", "/catalog/*"]',
      '[vars]',
      'ARTIFACT_SOURCE = "assets"',
      'CATALOG_PREFIX = "catalog"',
      '',
    ].join('\n'),
  );
  return config;
}
