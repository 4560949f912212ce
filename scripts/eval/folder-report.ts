/**
 * The BENCHMARKS.md text of a catalog-folder evaluation (folder-catalog.ts): the precision
 * table, precision by category, and how the model was trained (from its training manifest:
 * configuration, epochs and training throughput per epoch on this machine).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainingManifest } from '../../trainer/train-run.ts';
import type { FolderEvalResult } from './folder-catalog.ts';

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** The training manifest of `dir` (the `npm run train --out` folder), when it is there. */
export function readTraining(dir: string | undefined): TrainingManifest | undefined {
  if (dir === undefined) return undefined;
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as TrainingManifest;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** How the model was trained and how fast, as a paragraph and a small table. */
export function trainingText(m: TrainingManifest, dir: string): string {
  const { config: c } = m;
  const speeds = m.history.map((h) => h.imagesPerSecond);
  const last = m.history.at(-1);
  const o = c.objective;
  const objective =
    o.invarianceWeight > 0
      ? `reconstruction + ${o.invarianceWeight} × ${o.contrastive ?? 'uniformity'} ` +
        `invariance term (groups of ${o.groupSize})`
      : 'denoising reconstruction only';
  const augment = Object.entries(c.augment)
    .map(([key, v]) => `${key} ${v}`)
    .join(', ');
  return [
    `Model trained label-free (\`${dir}\`, seed ${m.seed}, backend ${m.backend.name}): ` +
      `${m.epochsCompleted} of ${c.epochs} epochs over ${m.data.count} images ` +
      `(${m.data.skipped ?? 0} unreadable, skipped) at ${c.model.height}×${c.model.width}×` +
      `${c.model.channels}; encoder filters ${c.model.filters.join(',')}, d = ${c.model.d}, ` +
      `decoder hidden ${c.model.decoderHidden}; batch ${c.batchSize}, Adam ${c.learningRate} ` +
      `× ${c.learningRateDecay ?? 0.8} per epoch; ` +
      `objective: ${objective}; views: ${augment}.`,
    '',
    row(['training throughput (this machine, 2 shared cores)', 'value']),
    row(['---', '---:']),
    row([
      `images/s per epoch, ${c.workers ?? 1} thread(s)` +
        (o.invarianceWeight > 0 ? ' (two views of each image)' : '') +
        ': median (min–max)',
      `**${median(speeds).toFixed(0)}** (${Math.min(...speeds).toFixed(0)}–` +
        `${Math.max(...speeds).toFixed(0)})`,
    ]),
    row(['whole run, min', last ? (last.elapsedSeconds / 60).toFixed(1) : '—']),
    row(['final validation loss (MSE per pixel)', m.losses.validation?.toFixed(5) ?? '—']),
  ].join('\n');
}

/** The markdown of one evaluation; `training` is the paragraph of {@link trainingText}. */
export function folderEvalMarkdown(r: FolderEvalResult, training: string | undefined): string {
  const [c, h, w] = r.chw;
  const k = r.k;
  const table = [
    row(['representation', 'd', 'bytes/item', 'precision@1', `precision@${k}`, 'search']),
    row(['---', '---:', '---:', '---:', '---:', '---']),
    ...r.rows.map((x) =>
      row([
        x.name,
        x.d,
        x.bytesPerItem,
        x.precisionAt1.toFixed(4),
        `**${x.precisionAtK.toFixed(4)}**`,
        x.search,
      ]),
    ),
  ];
  const names = ['pixels', 'PCA', 'ours, exact', 'ours, index'];
  const byCategory = [
    row(['category', 'queries', ...names.map((n) => `${n} P@${k}`)]),
    row(['---', '---:', ...names.map(() => '---:')]),
    ...r.categories.map((name, i) =>
      row([name, r.queriesPerCategory[i], ...r.rows.map((x) => x.byCategory[i].toFixed(3))]),
    ),
  ];
  return [
    `Queries: the ${r.queries.count} images of split ${r.queries.splits.join('+')}` +
      ` (${r.queries.skipped} unreadable); base (the catalog): the ${r.base.count} images of ` +
      `split ${r.base.splits.join('+')} (${r.base.skipped} unreadable). Every image at the ` +
      `model's input, ${c}×${h}×${w} (RGB, fitted on white), for all rows; model int8 sha256 ` +
      `\`${r.modelSha256.slice(0, 12)}\`. precision@k: the share of a query's k nearest ` +
      'neighbours (cosine) whose manifest category equals its own; categories are read by ' +
      'this evaluation only, never by training.',
    '',
    ...table,
    '',
    `Precision@${k} by the query's category:`,
    '',
    ...byCategory,
    ...(training ? ['', training] : []),
  ].join('\n');
}
