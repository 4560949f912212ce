/**
 * What `npm run deploy` needs besides the catalog build: the staged site of one version, the
 * wrangler config that deploys it, the local record of deployed versions, and the bundle-size
 * check against the Workers plan limits.
 *
 * Why a refresh never mixes versions: the worker code, its configuration (CATALOG_VERSION is
 * pinned to the version) and its static assets (the model, index and images of that one
 * version) are uploaded together by one `wrangler deploy`, which creates one Worker version;
 * Cloudflare switches traffic to it as a whole, and an isolate runs exactly one Worker version
 * for its whole life. On top, the catalog loader refuses an index built with another model.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CATALOG_PREFIX, REPO_ROOT } from './paths.ts';
import { copyDemo } from './site.ts';

/** Compressed (gzip) Worker size limits, in bytes, by plan (developers.cloudflare.com). */
export const PLAN_LIMIT_BYTES = { free: 3 * 1024 * 1024, paid: 10 * 1024 * 1024 } as const;
/** A Workers plan. */
export type Plan = keyof typeof PLAN_LIMIT_BYTES;

/** One deployment in the local record. */
export interface DeploymentRecord {
  version: string;
  /** ISO 8601 time of the deploy. */
  deployedAt: string;
  modelSha256: string;
  items: number;
  /** What was deployed from: the catalog folder, or "fashion-mnist". */
  catalog: string;
  rollbackOf?: string;
}

/** The folders of the deploy tool under `root` (default artifacts/deploy). */
export function deployPaths(root = join(REPO_ROOT, 'artifacts', 'deploy')) {
  return {
    root,
    /** Built versions, kept for rollback: `versions/<version>/catalog/<version>/…`. */
    versions: join(root, 'versions'),
    /** The site uploaded by the next `wrangler deploy`. */
    site: join(root, 'site'),
    config: join(root, 'wrangler.toml'),
    record: join(root, 'deployments.json'),
    bundle: join(root, 'bundle'),
  };
}

/** Reads the record of deployments, oldest first. */
export function readRecord(path: string): DeploymentRecord[] {
  if (!existsSync(path)) return [];
  return JSON.parse(readFileSync(path, 'utf8')) as DeploymentRecord[];
}

/** Appends one deployment to the record. */
export function appendRecord(path: string, entry: DeploymentRecord): void {
  const all = [...readRecord(path), entry];
  writeFileSync(path, `${JSON.stringify(all, null, 2)}\n`);
}

/** The version to roll back to: the one deployed before the current one. */
export function previousVersion(record: DeploymentRecord[]): DeploymentRecord {
  const current = record.at(-1);
  const before = [...record].reverse().find((r) => current && r.version !== current.version);
  if (!current || !before) {
    throw new Error(
      `the deploy record has ${record.length} deployment(s) of ` +
        `${new Set(record.map((r) => r.version)).size} version(s); a rollback needs two versions`,
    );
  }
  return before;
}

/**
 * Assembles the site to upload: the demo page and the one catalog version built under
 * `versions/<version>/`, with `catalog/current.json` pointing at it.
 */
export function stageSite(paths: ReturnType<typeof deployPaths>, version: string): void {
  const built = join(paths.versions, version, CATALOG_PREFIX);
  if (!existsSync(join(built, version, 'catalog.json'))) {
    throw new Error(`version ${version} is not in ${paths.versions}; it cannot be deployed`);
  }
  rmSync(paths.site, { recursive: true, force: true });
  mkdirSync(join(paths.site, CATALOG_PREFIX), { recursive: true });
  cpSync(built, join(paths.site, CATALOG_PREFIX), { recursive: true });
  copyDemo(paths.site);
}

/**
 * Writes the wrangler config of a deploy: the repository's wrangler.toml with the staged site
 * as the assets directory, CATALOG_VERSION pinned to `version`, and paths made relative to
 * the config's folder. The `[build]` step is left out (the deploy script runs it first).
 */
export function writeDeployConfig(paths: ReturnType<typeof deployPaths>, version: string): void {
  const text = readFileSync(join(REPO_ROOT, 'wrangler.toml'), 'utf8');
  const main = relative(paths.root, join(REPO_ROOT, 'edge', 'worker.ts'));
  const site = relative(paths.root, paths.site);
  const out = text
    .replace(/^main = ".*"$/m, `main = "${main}"`)
    .replace(/^\[build\]\ncommand = ".*"\n/m, '')
    .replace(/^directory = ".*"$/m, `directory = "./${site}"`)
    .replace(/^CATALOG_VERSION = ".*"$/gm, `CATALOG_VERSION = "${version}"`);
  if (!out.includes(`CATALOG_VERSION = "${version}"`) || !out.includes(`main = "${main}"`)) {
    throw new Error('wrangler.toml no longer has the main, directory or CATALOG_VERSION lines');
  }
  mkdirSync(paths.root, { recursive: true });
  writeFileSync(paths.config, out);
}

/** Sizes of a `wrangler deploy --dry-run --outdir` bundle, in bytes (source maps excluded). */
export function bundleSize(outdir: string): { raw: number; gzip: number; files: number } {
  let raw = 0;
  let gzip = 0;
  let files = 0;
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name);
    if (name.endsWith('.map') || !statSync(path).isFile()) continue;
    const bytes = readFileSync(path);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
    files++;
  }
  return { raw, gzip, files };
}

/** The smallest plan whose limit the compressed size fits, or undefined. */
export function planFor(gzipBytes: number): Plan | undefined {
  if (gzipBytes <= PLAN_LIMIT_BYTES.free) return 'free';
  if (gzipBytes <= PLAN_LIMIT_BYTES.paid) return 'paid';
  return undefined;
}

/** Bytes as MiB with two decimals. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}
