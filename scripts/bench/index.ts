/**
 * `npm run bench -- index [--base FILE --queries FILE] [--d D] [--train-size N] [--no-faiss]
 * [--no-workerd]`: recall@1/@10 against exact search, ms per query, codes scanned per second
 * and bytes per item of flat PQ (M = 8, 16, 32), OPQ, IVF-PQ and re-rank settings, side by side
 * with FAISS 1.7.3 IndexPQ / IndexIVFPQ at the same settings on the same vectors; then the scan
 * and a query over the 70,000-item catalog in Node and inside workerd.
 *
 * Base = the 60,000 training images' embeddings, queries = the 10,000 test images'; by default
 * artifacts/embeddings/{train,test}.f32, else a labelled stand-in (see index/vectors.ts).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  buildIndex,
  createWasmKernel,
  referenceKernel,
  writeIndex,
  type BuildOptions,
  type SearchOptions,
  SimilarityIndex,
  type ScanKernel,
} from '../../core/index/index.ts';
import { DEFAULT_ITERATIONS, DEFAULT_TRAIN_SIZE, OPQ_TRAIN_SIZE } from '../../core/pq/build.ts';
import { DEFAULT_OPQ_ITERATIONS } from '../../core/pq/opq.ts';
import { pqParams } from '../../core/pq/params.ts';
import { loadScanModule } from '../build-wasm.ts';
import { writeSection } from './_report.ts';
import { faissMissing, runFaiss, type FaissConfig, type FaissResult } from './index/faiss.ts';
import { bestMs, K, measureRecall, scanRate, type Recall } from './index/measure.ts';
import {
  EMBEDDING_FILES,
  readVectorFile,
  standInVectors,
  type VectorSet,
} from './index/vectors.ts';
import { benchInWorkerd } from './index/workerd.ts';

/** One benchmarked setting: how we build and search it, and the FAISS equivalent if any. */
interface BenchConfig {
  name: string;
  build: BuildOptions;
  search?: SearchOptions;
  faiss?: Omit<FaissConfig, 'name' | 'iterations' | 'trainSize' | 'opqIterations' | 'opqTrainSize'>;
}

const CONFIGS: BenchConfig[] = [
  { name: 'PQ8', build: { M: 8 }, faiss: { M: 8 } },
  { name: 'PQ16', build: { M: 16 }, faiss: { M: 16 } },
  { name: 'PQ32', build: { M: 32 }, faiss: { M: 32 } },
  { name: 'OPQ16,PQ16', build: { M: 16, opq: true }, faiss: { M: 16, opq: true } },
  {
    name: 'IVF256,PQ16 nprobe=16',
    build: { M: 16, nlist: 256 },
    search: { nprobe: 16 },
    faiss: { M: 16, nlist: 256, nprobe: 16 },
  },
  {
    name: 'PQ16 + int8 re-rank',
    build: { M: 16, refine: 'int8' },
    faiss: { M: 16, refine: 'int8' },
  },
  { name: 'PQ16 + float16 re-rank', build: { M: 16, refine: 'float16' } },
  { name: 'PQ8 + PQ16 residual re-rank', build: { M: 8, refine: 'pq', refineM: 16 } },
  { name: 'PQ16 + PQ8 residual re-rank', build: { M: 16, refine: 'pq', refineM: 8 } },
  { name: 'PQ16x4fs', build: { M: 16, nbits: 4 }, faiss: { M: 16, nbits: 4 } },
  { name: 'PQ32x4fs', build: { M: 32, nbits: 4 }, faiss: { M: 32, nbits: 4 } },
  {
    name: 'PQ16x4fs + PQ16 residual re-rank',
    build: { M: 16, nbits: 4, refine: 'pq', refineM: 16 },
  },
  { name: 'PQ32x4fs + PQ8 residual re-rank', build: { M: 32, nbits: 4, refine: 'pq', refineM: 8 } },
];

const OUT_DIR = 'artifacts/bench/index';
/**
 * Repetitions per timed batch and batches (best kept), the same in Node and in workerd: the
 * machine is shared, so short batches catch it quiet more often than long runs do.
 */
const BATCH_REPS = 40;
const BATCH_ROUNDS = 30;
/** Queries scored against exact search computed in JavaScript when FAISS is absent. */
const JS_TRUTH_QUERIES = 1000;

interface Row {
  name: string;
  bytesPerItem: number;
  recall: Recall;
  msPerQuery: number;
  codesPerSecond?: number;
  buildSeconds: number;
  faiss?: FaissResult;
}

function loadVectors(values: Record<string, string | boolean | undefined>) {
  const d = values.d ? Number(values.d) : undefined;
  const basePath = (values.base as string) ?? EMBEDDING_FILES.base;
  const queriesPath = (values.queries as string) ?? EMBEDDING_FILES.queries;
  if (existsSync(basePath) && existsSync(queriesPath)) {
    return { base: readVectorFile(basePath, d), queries: readVectorFile(queriesPath, d) };
  }
  if (values.base || values.queries) throw new Error(`${basePath} or ${queriesPath} is missing`);
  return { base: standInVectors('train', d ?? 64), queries: standInVectors('test', d ?? 64) };
}

/** Exact top-K of the first `count` queries by brute force (when FAISS is absent). */
function exactTruth(base: VectorSet, queries: VectorSet, count: number): Int32Array {
  const { d } = base;
  const truth = new Int32Array(count * K);
  for (let q = 0; q < count; q++) {
    const dist = new Float32Array(base.count);
    for (let i = 0; i < base.count; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (queries.vectors[q * d + t] - base.vectors[i * d + t]) ** 2;
      dist[i] = s;
    }
    const order = Array.from(dist.keys()).sort((a, b) => dist[a] - dist[b] || a - b);
    truth.set(order.slice(0, K), q * K);
  }
  return truth;
}

/** What every configuration is measured against. */
interface Context {
  base: VectorSet;
  queries: VectorSet;
  /** Int32Array, size scored·K: exact top-K base rows of the first `scored` queries. */
  truth: Int32Array;
  scored: number;
  trainSize?: number;
  kernel: ScanKernel;
}

function measure(cfg: BenchConfig, ctx: Context): Row {
  const { base, queries, kernel } = ctx;
  const ids = Array.from({ length: base.count }, (_, i) => String(i));
  const started = performance.now();
  const index = buildIndex(base.vectors, ids, { ...cfg.build, trainSize: ctx.trainSize, kernel });
  const buildSeconds = (performance.now() - started) / 1000;
  const { d } = base;
  const query = (q: number) => queries.vectors.subarray(q * d, q * d + d);
  const search = (q: number) => index.search(query(q), K, cfg.search).map((h) => Number(h.id));
  const recall = measureRecall(search, ctx.truth, ctx.scored);
  const msPerQuery = bestMs((i) => search(i % queries.count), BATCH_REPS, BATCH_ROUNDS);
  return {
    name: cfg.name,
    bytesPerItem: index.bytesPerItem,
    recall,
    msPerQuery,
    buildSeconds,
    codesPerSecond: cfg.build.nlist ? undefined : scanRate(index, kernel),
  };
}

/** Settings timed over the whole catalog: the default, and the 4-bit fast scan. */
const CATALOG_SETTINGS: { name: string; build: BuildOptions }[] = [
  { name: 'PQ16', build: { M: 16 } },
  { name: 'PQ16x4fs', build: { M: 16, nbits: 4 } },
];

/** The whole catalog (base + queries, 70,000 items) as one flat index. */
function catalogIndex(ctx: Context, build: BuildOptions): SimilarityIndex {
  const { base, queries } = ctx;
  const all = new Float32Array(base.vectors.length + queries.vectors.length);
  all.set(base.vectors);
  all.set(queries.vectors, base.vectors.length);
  const ids = Array.from({ length: base.count + queries.count }, (_, i) => String(i));
  return buildIndex(all, ids, { ...build, trainSize: ctx.trainSize, kernel: ctx.kernel });
}

/** Scan rate and query time over the catalog index in Node with the wasm and JS kernels. */
function catalogRows(name: string, catalog: SimilarityIndex, ctx: Context): string[] {
  const { d } = ctx.base;
  const { M, nbits, count } = catalog.header;
  const rows: string[] = [];
  for (const kernel of [ctx.kernel, referenceKernel]) {
    const index = new SimilarityIndex(catalog.data, { kernel });
    const q = (i: number) => ctx.queries.vectors.subarray((i % 1000) * d, (i % 1000) * d + d);
    const ms = bestMs((i) => index.search(q(i), K), BATCH_REPS, BATCH_ROUNDS);
    const scanner = kernel.bind(catalog.data.codes, pqParams(d, M, nbits));
    const table = Float32Array.from({ length: M << nbits }, (_, i) => (i * 7919) % 97);
    const batchMs = bestMs(() => scanner.scan(table, 0, count), BATCH_REPS, BATCH_ROUNDS);
    rows.push(
      `| ${name} | Node ${process.version} | ${kernel.name} | ` +
        `${mcodes(scanRate(index, kernel))} | ${mcodes(count / (batchMs / 1000))} | ` +
        `${ms.toFixed(3)} |`,
    );
  }
  return rows;
}

/** Every catalog setting in Node, then (unless skipped) inside workerd. */
async function catalogSpeed(ctx: Context, workerd: boolean): Promise<string[]> {
  const rows: string[] = [];
  for (const { name, build } of CATALOG_SETTINGS) {
    console.error(`bench index: the ${ctx.base.count + ctx.queries.count}-item catalog, ${name}`);
    const catalog = catalogIndex(ctx, build);
    rows.push(...catalogRows(name, catalog, ctx));
    if (!workerd) continue;
    const queryBlock = ctx.queries.vectors.slice(0, 1000 * ctx.queries.d);
    const w = await benchInWorkerd(writeIndex(catalog), queryBlock, catalog.header.count);
    rows.push(
      `| ${name} | workerd (Miniflare) | wasm | — | ${mcodes(w.codesPerSecond)} | ` +
        `${fixed(w.msPerQuery)} |`,
    );
  }
  return rows;
}

const mcodes = (perSecond?: number) => (perSecond ? (perSecond / 1e6).toFixed(0) : '—');
const fixed = (v: number | undefined, digits = 3) => (v === undefined ? '—' : v.toFixed(digits));

function resultsTable(rows: Row[]): string {
  const head =
    '| setting | bytes/item | R@1 | R@10 | 10-R@10 | ms/query | M codes/s | build s | ' +
    'FAISS R@1 | FAISS R@10 | FAISS 10-R@10 | FAISS ms/query |';
  const lines = rows.map((r) => {
    const f = r.faiss;
    const faiss = f?.error
      ? `${f.error} | | |`
      : `${fixed(f?.recall1)} | ${fixed(f?.recall10)} | ` +
        `${fixed(f?.overlap10)} | ${fixed(f?.msPerQuery)}`;
    return (
      `| ${r.name} | ${r.bytesPerItem} | ${fixed(r.recall.recall1)} | ` +
      `${fixed(r.recall.recall10)} | ${fixed(r.recall.overlap10)} | ${fixed(r.msPerQuery)} | ` +
      `${mcodes(r.codesPerSecond)} | ${r.buildSeconds.toFixed(1)} | ${faiss} |`
    );
  });
  return [head, `|${' --- |'.repeat(12)}`, ...lines].join('\n');
}

/** Runs the suite; see the module comment for the options. */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      queries: { type: 'string' },
      d: { type: 'string' },
      'train-size': { type: 'string' },
      'no-faiss': { type: 'boolean' },
      'no-workerd': { type: 'boolean' },
    },
  });
  const { base, queries } = loadVectors(values);
  if (base.d !== queries.d) throw new Error(`base d=${base.d} but queries d=${queries.d}`);
  mkdirSync(OUT_DIR, { recursive: true });
  const basePath = `${OUT_DIR}/base.f32`;
  const queriesPath = `${OUT_DIR}/queries.f32`;
  writeFileSync(basePath, new Uint8Array(base.vectors.buffer));
  writeFileSync(queriesPath, new Uint8Array(queries.vectors.buffer));
  const notes: string[] = [];
  const trainSize = values['train-size'] ? Number(values['train-size']) : undefined;
  const training = {
    iterations: DEFAULT_ITERATIONS,
    trainSize: Math.min(trainSize ?? DEFAULT_TRAIN_SIZE, base.count),
    opqIterations: DEFAULT_OPQ_ITERATIONS,
    opqTrainSize: OPQ_TRAIN_SIZE,
  };
  const faissConfigs = CONFIGS.flatMap((c) =>
    c.faiss ? [{ name: c.name, ...c.faiss, ...training }] : [],
  );
  const missing = values['no-faiss'] ? 'skipped (--no-faiss)' : faissMissing();
  let faiss: ReturnType<typeof runFaiss> | undefined;
  if (missing) notes.push(`FAISS: ${missing}; exact neighbours computed in JavaScript.`);
  else {
    console.error('bench index: FAISS side (python3-faiss, one thread) ...');
    faiss = runFaiss(basePath, queriesPath, base.d, `${OUT_DIR}/truth.i32`, faissConfigs);
  }
  const scored = faiss ? queries.count : Math.min(JS_TRUTH_QUERIES, queries.count);
  const truth = faiss ? faiss.truth : exactTruth(base, queries, scored);
  const kernel = createWasmKernel(await loadScanModule());
  const ctx: Context = { base, queries, truth, scored, trainSize, kernel };
  const rows: Row[] = [];
  for (const cfg of CONFIGS) {
    console.error(`bench index: ${cfg.name} ...`);
    const row = measure(cfg, ctx);
    row.faiss = faiss?.results.find((r) => r.name === cfg.name);
    rows.push(row);
    console.error(JSON.stringify(row));
  }
  const speed = await catalogSpeed(ctx, !values['no-workerd']);
  writeSection(
    'index',
    'PQ index (issue 4)',
    `npm run bench -- index ${argv.join(' ')}`.trim(),
    report(base, queries, scored, faiss?.version, rows, speed, notes),
  );
}

function report(
  base: VectorSet,
  queries: VectorSet,
  scored: number,
  faissVersion: string | undefined,
  rows: Row[],
  speed: string[],
  notes: string[],
): string {
  return [
    `Vectors: base ${base.count} × d=${base.d} from ${base.source}; queries ${queries.count} ` +
      `from ${queries.source}; ${scored} queries scored against exact search (k = ${K}).`,
    `R@1 / R@10: fraction of queries whose exact nearest neighbour is ranked first / in the ` +
      `top 10 (FAISS's convention); 10-R@10: mean overlap of the top 10 with the exact top 10.`,
    `nbits = 8 unless "x4fs" (nbits = 4, fast scan: the ${K * 10} best by quantized tables ` +
      `re-scored exactly); re-rank settings re-rank 10·k = 100 candidates. ms/query: one ` +
      `thread, best batch of ${BATCH_REPS} queries of ${BATCH_ROUNDS} (the machine is ` +
      `shared); M codes/s: one full ADC scan with the wasm kernel, best of 100.`,
    faissVersion
      ? `FAISS ${faissVersion} (python3-faiss, linked to Debian's reference BLAS), one ` +
        `thread, trained as the TypeScript side is (same k-means iterations and sample size, ` +
        `same OPQ alternations and sample); ms/query = best of 3 batched searches of 1000 ` +
        `queries / 1000.`
      : '',
    ...notes,
    '',
    resultsTable(rows),
    '',
    `Scan of the ${base.count + queries.count}-item catalog (flat PQ16: 16 bytes an item; ` +
      `PQ16x4fs: 8 bytes, 4-bit fast scan, ${K * 10} candidates re-scored), one thread:`,
    '',
    `M codes/s: best single full scan of 100 (not measurable in workerd, whose clock ticks ` +
      `in ms), and best batch of ${BATCH_REPS} scans of ${BATCH_ROUNDS}; ms/query: best batch ` +
      `of ${BATCH_REPS} queries of ${BATCH_ROUNDS}.`,
    '',
    '| setting | runtime | kernel | M codes/s (single) | M codes/s (batch) | ms/query (k = 10) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...speed,
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}
