/**
 * The outputs of `npm run eval` in text: the markdown of BENCHMARKS.md's `quality` section
 * (tables of the rows, the best row per category and the index sweep, with the definitions),
 * and the JSON record of every figure with the command, the commit and the machine.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

import { KNN_K, LIST_LENGTH, RECALL_K, type EvalReport, type RowFigures } from './types.ts';

/** Where and from what a run came. */
export interface RunInfo {
  command: string;
  /** `git rev-parse HEAD`, or 'unknown' outside a git checkout. */
  commit: string;
  /** True when tracked files differed from the commit (`git status --porcelain`). */
  dirty: boolean;
  /** ISO-8601 start of the run. */
  date: string;
  durationSeconds: number;
  machine: { cpu: string; cores: number; node: string; platform: string; loadAverage: number[] };
}

/** The commit and the state of the work tree of `cwd`. */
export function gitState(cwd: string): { commit: string; dirty: boolean } {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '-uno') !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** The machine, for the record. */
export function machine(): RunInfo['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** The JSON record: run info, then every figure of the report. */
export function toJsonRecord(report: EvalReport, run: RunInfo): string {
  return `${JSON.stringify({ format: 'fashion-similarity/eval@1', ...run, ...report }, null, 2)}\n`;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '—');
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const rule = (aligns: string) => row(aligns.split('').map((a) => (a === 'r' ? '---:' : '---')));

function rowsTable(rows: RowFigures[]): string[] {
  return [
    row([
      'row',
      'search',
      'metric',
      'd',
      'bytes/item',
      'precision@1',
      'precision@10',
      'mAP@100',
      `${KNN_K}-NN accuracy`,
      'recall@10 vs exact',
      'ms/query',
    ]),
    rule('lllrrrrrrrr'),
    ...rows.map((r) =>
      row([
        r.name,
        r.search,
        r.metric === 'l2' ? 'L2' : 'cosine',
        r.d,
        r.bytesPerItem,
        f4(r.precisionAt1),
        f4(r.precisionAt10),
        f4(r.mapAt100),
        f4(r.knnAccuracy),
        r.recall ? f4(r.recall.overlap10) : '—',
        f3(r.msPerQuery),
      ]),
    ),
  ];
}

function categoryTable(report: EvalReport): string[] {
  const { row: best, reference, categories } = report.perCategory;
  const sorted = [...categories].sort((a, b) => a.precision - b.precision);
  return [
    `Per category, precision@10 of the best row (${best}) beside ${reference}, worst first; the ` +
      `last column is the category most frequent among its wrong answers in the top 10, with ` +
      `its share of all top-10 answers:`,
    '',
    row(['category', 'queries', `${best}`, `${reference}`, 'most frequent wrong category']),
    rule('lrrrl'),
    ...sorted.map((c) =>
      row([
        c.category,
        c.queries,
        f4(c.precision),
        f4(c.reference),
        c.confusedWith ? `${c.confusedWith} (${(100 * c.confusedShare).toFixed(1)}%)` : '—',
      ]),
    ),
  ];
}

function sweepTable(report: EvalReport): string[] {
  if (report.sweep.length === 0) return [];
  return [
    `Index settings on the int8 embedding, searched with k = ${RECALL_K} (the API's default); ` +
      `recall@10 and R@1 against exact search on the same vectors; ms/query as for the index ` +
      `row; "(served)" marks the catalog builder's setting with the service's defaults:`,
    '',
    row(['setting', 'bytes/item', 'recall@10', 'R@1', 'precision@10', 'ms/query', 'build s']),
    rule('lrrrrrr'),
    ...report.sweep.map((p) =>
      row([
        p.served ? `**${p.name} (served)**` : p.name,
        p.bytesPerItem,
        f4(p.recall.overlap10),
        f4(p.recall.recall1),
        f4(p.precisionAt10),
        f3(p.msPerQuery),
        p.buildSeconds > 0 ? p.buildSeconds.toFixed(1) : '—',
      ]),
    ),
  ];
}

/** Definitions of the figures, as the metrics module computes them. */
function definitions(report: EvalReport): string[] {
  const timings = [...new Set(report.rows.map((r) => `${r.search}: ${r.timing}`))];
  return [
    `precision@k: the share of a query's first k answers that are relevant, averaged over ` +
      `queries. mAP@${LIST_LENGTH}: the mean over queries of AP@${LIST_LENGTH} = ` +
      `(1 / min(${LIST_LENGTH}, R)) · Σ_{i ≤ ${LIST_LENGTH}} rel_i · precision@i, where R is ` +
      `the number of catalog items of the query's category (so a list that cannot fill its ` +
      `${LIST_LENGTH} places with relevant answers loses; not the "relevant retrieved" ` +
      `normaliser). ${KNN_K}-NN accuracy: the share of queries whose category is the majority ` +
      `of their ${KNN_K} nearest answers' categories, a tie going to the category of the ` +
      `nearest answer among the tied. recall@10 vs exact: the mean share of the exact top 10 ` +
      `(same vectors, brute force) found in the index's top 10 (10-recall@10); R@1: the share ` +
      `of queries whose exact nearest neighbour is ranked first.`,
    '',
    `Raw pixels and PCA are ranked by L2 (squared Euclidean) distance, PCA fitted on the ` +
      `catalog (training) pixels; embeddings by cosine similarity, as the service ranks. Every ` +
      `row is judged on ${LIST_LENGTH} answers per query (an index row: index.search(query, ` +
      `${LIST_LENGTH}), as a client asking for k = ${LIST_LENGTH} gets them). ms/query is ` +
      `search only (embedding a query image adds about 0.2 ms, see the export section). ` +
      `${timings.join('; ')}.`,
  ];
}

/** The markdown body of BENCHMARKS.md's `quality` section. */
export function qualityMarkdown(report: EvalReport, run: RunInfo): string {
  const model = report.model;
  return [
    `Commit \`${run.commit.slice(0, 12)}\`${run.dirty ? ' (with uncommitted changes)' : ''}; ` +
      `model \`${model.dir}\` (int8 sha256 \`${model.int8Sha256.slice(0, 12)}…\`` +
      `${model.fp32Sha256 ? `, fp32 \`${model.fp32Sha256.slice(0, 12)}…\`` : ''}); ` +
      `${run.durationSeconds.toFixed(0)} s in all, load average ` +
      `${run.machine.loadAverage[0]} at the end (the cores are shared).`,
    '',
    ...report.protocol,
    '',
    ...rowsTable(report.rows),
    '',
    ...definitions(report),
    '',
    ...categoryTable(report),
    '',
    ...sweepTable(report),
    '',
    ...report.notes,
    '',
    'Every figure, the precision@k curves (k = 1 … 100) and the sweep are in ' +
      '`reports/eval.json`; the figure `reports/eval.png` plots them (both written by the run, ' +
      'not committed).',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}
