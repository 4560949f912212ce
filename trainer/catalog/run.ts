/**
 * One catalog build as the command-line tools run it (`npm run index`, `npm start`,
 * `npm run deploy`): pick the catalog (Fashion-MNIST or a folder), build a version with a
 * progress bar on the terminal, publish it, and print one summary line.
 */
import { Presets, SingleBar } from 'cli-progress';
import { locateFashionMnist } from '../data/fashion-mnist.ts';
import { locateManifest } from '../data/folder-images.ts';
import {
  buildCatalogVersion,
  newVersionName,
  publishVersion,
  readModelDir,
  type CatalogBuildSummary,
} from './build.ts';
import { fashionMnistCatalog } from './fashion-mnist.ts';
import { folderCatalog } from './folder.ts';
import type { CatalogSource } from './types.ts';

/** Options of {@link runCatalogBuild}. */
export interface CatalogRunOptions {
  /** Model directory holding manifest.json and encoder.int8.onnx. */
  model: string;
  /** The static-assets folder to write into. */
  site: string;
  /** Catalog folder inside the site (default `catalog`). */
  prefix?: string;
  /** Fashion-MNIST directory (default: searched). */
  data?: string;
  /** A custom catalog folder; Fashion-MNIST when absent. */
  catalog?: string;
  /** The manifest inside `catalog` (default: searched). */
  manifest?: string;
  /** Only these splits of the manifest (its split column, or the first folder of each path). */
  split?: string[];
  /** Only the first `limit` images of each Fashion-MNIST split. */
  limit?: number;
  /** Version name (default: from the clock). */
  version?: string;
  /** Write current.json to point at the new version (default true). */
  publish?: boolean;
  /** Draw a progress bar (default: when stderr is a terminal). */
  progress?: boolean;
}

/** Opens the catalog the options name. */
export async function openCatalog(o: CatalogRunOptions): Promise<CatalogSource> {
  if (o.split !== undefined && o.catalog === undefined) {
    throw new Error('--split selects rows of a --catalog manifest; pass --catalog DIR too');
  }
  if (o.catalog !== undefined) {
    return folderCatalog(o.catalog, locateManifest(o.catalog, o.manifest), { split: o.split });
  }
  return fashionMnistCatalog(locateFashionMnist(o.data), { limit: o.limit });
}

/** Builds (and by default publishes) a catalog version; returns its summary. */
export async function runCatalogBuild(o: CatalogRunOptions): Promise<CatalogBuildSummary> {
  const started = performance.now();
  const model = readModelDir(o.model);
  const source = await openCatalog(o);
  const prefix = o.prefix ?? 'catalog';
  const version = o.version ?? newVersionName();
  console.log(`catalog: ${source.name}; model ${model.sha256.slice(0, 12)}… (${o.model})`);
  if (source.ignoredColumns?.length) {
    console.log(`manifest: ignoring columns ${source.ignoredColumns.join(', ')}`);
  }
  const bar = new SingleBar(
    { format: ' {stage} [{bar}] {value}/{total} {eta_formatted}', clearOnComplete: true },
    Presets.shades_classic,
  );
  const draw = o.progress ?? process.stderr.isTTY === true;
  let stage = '';
  const stageStart = new Map<string, number>();
  const summary = await buildCatalogVersion({
    source,
    model,
    site: o.site,
    prefix,
    version,
    onProgress: (name, done, total) => {
      if (!stageStart.has(name)) stageStart.set(name, performance.now());
      if (!draw) return;
      if (name !== stage) {
        if (stage !== '') bar.stop();
        stage = name;
        bar.start(total, done, { stage: name.padEnd(5) });
      } else bar.update(done);
    },
  });
  if (draw) bar.stop();
  for (const s of summary.skipped) console.log(`skipped: ${s.path} (row ${s.row}): ${s.reason}`);
  if (o.publish !== false) publishVersion(o.site, prefix, version);
  const now = performance.now();
  const seconds = ((now - started) / 1000).toFixed(1);
  const marks = [...stageStart.entries(), ['end', now] as const];
  const stages = marks
    .slice(0, -1)
    .map(([name, at], i) => `${name}_s=${((marks[i + 1][1] - at) / 1000).toFixed(1)}`);
  console.log(
    `index: version=${version} items=${summary.count} skipped=${summary.skipped.length} ` +
      `d=${summary.d} ` +
      `index_bytes=${summary.indexBytes} image_bytes=${summary.imageBytes} ` +
      `published=${o.publish !== false} ${stages.join(' ')} elapsed_s=${seconds}`,
  );
  return summary;
}
