/**
 * The static-assets folder as the worker serves it: the demo page at its root, catalog
 * versions under `catalog/`, and a stamp that says what the served version was built from.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { DEMO_DIR, REPO_ROOT } from './paths.ts';

/** Name of the stamp file inside the catalog folder. */
export const STAMP_FILE = 'stamp.json';

/** What a built catalog version depends on: when any of it changes, the build is stale. */
export interface CatalogStamp {
  /** sha256 of the int8 encoder. */
  modelSha256: string;
  /** sha256 of each data input (the Fashion-MNIST files, or a manifest and its images). */
  dataSha256: string[];
  /** sha256 of the builder's source files ({@link builderVersion}). */
  builder: string;
  /** The catalog version built from these. */
  version: string;
}

/** Source files whose change changes what the build writes. */
const BUILDER_SOURCES = [
  'trainer/catalog/build.ts',
  'trainer/catalog/fashion-mnist.ts',
  'trainer/catalog/folder.ts',
  'edge/catalog/layout.ts',
  'edge/demo/image-pack.ts',
  'core/index/format.ts',
  'core/pq/build.ts',
];

/** sha256 over the builder's sources: a new builder rebuilds the catalog. */
export function builderVersion(): string {
  const hash = createHash('sha256');
  for (const f of BUILDER_SOURCES) {
    const path = join(REPO_ROOT, f);
    hash.update(`${f}\0`);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

/** The stamp of the served catalog under `catalogDir`, or undefined. */
export function readStamp(catalogDir: string): CatalogStamp | undefined {
  const path = join(catalogDir, STAMP_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CatalogStamp;
  } catch {
    return undefined;
  }
}

/** Writes the stamp of the served catalog. */
export function writeStamp(catalogDir: string, stamp: CatalogStamp): void {
  mkdirSync(catalogDir, { recursive: true });
  writeFileSync(join(catalogDir, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
}

/**
 * Why the served catalog must be rebuilt, or undefined when it is current: no stamp, a
 * different model, data or builder, or the version's files are gone.
 */
export function staleReason(catalogDir: string, want: Omit<CatalogStamp, 'version'>) {
  const have = readStamp(catalogDir);
  if (!have) return 'no catalog built yet';
  if (have.modelSha256 !== want.modelSha256) return 'the encoder changed';
  if (have.dataSha256.join() !== want.dataSha256.join()) return 'the data changed';
  if (have.builder !== want.builder) return 'the catalog builder changed';
  if (!existsSync(join(catalogDir, have.version, 'catalog.json'))) return 'its files are missing';
  return undefined;
}

/** Copies the demo page (index.html, demo.css, demo.js) to the site root. */
export function copyDemo(site: string): void {
  mkdirSync(site, { recursive: true });
  for (const name of readdirSync(DEMO_DIR)) copyFileSync(join(DEMO_DIR, name), join(site, name));
}

/** Removes every version folder under `catalogDir` except `keep`. */
export function pruneVersions(catalogDir: string, keep: readonly string[]): string[] {
  if (!existsSync(catalogDir)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(catalogDir, { withFileTypes: true })) {
    if (entry.isDirectory() && !keep.includes(entry.name)) {
      rmSync(join(catalogDir, entry.name), { recursive: true, force: true });
      removed.push(entry.name);
    }
  }
  return removed;
}
