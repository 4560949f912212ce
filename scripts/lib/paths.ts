/** Paths of the repository that the start and deploy scripts share. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The static-assets folder `wrangler dev` serves (wrangler.toml `[assets] directory`). */
export const SITE_DIR = join(REPO_ROOT, 'artifacts', 'site');
/** The catalog folder inside the site (wrangler.toml `CATALOG_PREFIX`). */
export const CATALOG_PREFIX = 'catalog';
/** The committed default encoder. */
export const DEFAULT_MODEL_DIR = join(REPO_ROOT, 'models', 'default');
/** A development encoder (`npm run train -- --limit 2000` + `npm run export`), if built. */
export const DEV_MODEL_DIR = join(REPO_ROOT, 'artifacts', 'models', 'dev-onnx');
/** The demo page's files, copied to the site root. */
export const DEMO_DIR = join(REPO_ROOT, 'edge', 'demo', 'public');
/** The wrangler executable of the repository's node_modules. */
export const WRANGLER_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'wrangler');

/**
 * The encoder to build catalogs with: `explicit` when given, else the committed
 * `models/default/`, else the development model; throws saying how to get one.
 */
export function resolveModelDir(explicit?: string): string {
  if (explicit !== undefined) {
    if (!existsSync(join(explicit, 'manifest.json'))) {
      throw new Error(`--model ${explicit}: no manifest.json there (npm run export writes one)`);
    }
    return resolve(explicit);
  }
  for (const dir of [DEFAULT_MODEL_DIR, DEV_MODEL_DIR]) {
    if (existsSync(join(dir, 'manifest.json'))) return dir;
  }
  throw new Error(
    `no encoder: models/default/manifest.json is missing. Train and export one with ` +
      '`npm start -- --retrain`, or `npm run train` then `npm run export -- --model DIR ' +
      '--out models/default`',
  );
}
