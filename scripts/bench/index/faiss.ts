/**
 * Runs scripts/faiss/pq_bench.py (FAISS 1.7.3 from Debian's python3-faiss) on the exported
 * vectors; it also writes the exact top-10 of every query, which both sides are scored on.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One FAISS configuration; the same fields as the script's make_index. */
export interface FaissConfig {
  name: string;
  M: number;
  nbits?: number;
  nlist?: number;
  nprobe?: number;
  opq?: boolean;
  refine?: 'int8';
  rerankPerResult?: number;
  /** k-means iterations and training sample, as on the TypeScript side. */
  iterations: number;
  trainSize: number;
  /** OPQ alternations and training sample, as on the TypeScript side. */
  opqIterations: number;
  opqTrainSize: number;
}

/** One row of FAISS results, or the reason it failed. */
export interface FaissResult {
  name: string;
  recall1?: number;
  recall10?: number;
  overlap10?: number;
  msPerQuery?: number;
  trainSeconds?: number;
  error?: string;
}

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../faiss/pq_bench.py', import.meta.url));

/** Why FAISS cannot run here, or undefined when it can. */
export function faissMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const probe = spawnSync(PYTHON, ['-c', 'import faiss, numpy'], { encoding: 'utf8' });
  return probe.status === 0
    ? undefined
    : 'python3-faiss is not installed (apt-get install -y ' + 'python3-faiss python3-numpy)';
}

/** Bump when pq_bench.py changes what it measures: cached results are then ignored. */
const SCRIPT_VERSION = 3;

interface Cache {
  version: number;
  faiss: string;
  /** sha256 of the vectors whose exact top-10 is in the truth file. */
  truthOf?: string;
  /** Results by key: sha256 of the vectors and the configuration. */
  entries: Record<string, FaissResult>;
}

function readCache(path: string): Cache {
  const empty: Cache = { version: SCRIPT_VERSION, faiss: '', entries: {} };
  if (!existsSync(path)) return empty;
  const cache = JSON.parse(readFileSync(path, 'utf8')) as Cache;
  return cache.version === SCRIPT_VERSION && cache.entries ? cache : empty;
}

/**
 * Runs the FAISS side for the configurations not already measured on these vectors; returns
 * the FAISS version, the results and the exact top-10 (Int32Array, size Q·10) written to
 * `gtPath`. Results are kept in `gtPath`.json, keyed by the sha256 of vectors and settings.
 */
export function runFaiss(
  basePath: string,
  queriesPath: string,
  d: number,
  gtPath: string,
  configs: FaissConfig[],
): { version: string; results: FaissResult[]; truth: Int32Array } {
  const vectors = createHash('sha256')
    .update(readFileSync(basePath))
    .update(readFileSync(queriesPath))
    .digest('hex');
  const keyOf = (c: FaissConfig) =>
    createHash('sha256').update(vectors).update(JSON.stringify(c)).digest('hex');
  const cachePath = `${gtPath}.json`;
  const cache = readCache(cachePath);
  const todo = configs.filter((c) => !cache.entries[keyOf(c)]);
  if (todo.length > 0 || !existsSync(gtPath) || cache.truthOf !== vectors) {
    const args = [
      SCRIPT,
      '--base',
      basePath,
      '--queries',
      queriesPath,
      '--d',
      String(d),
      '--gt',
      gtPath,
      '--configs',
      JSON.stringify(todo),
    ];
    const out = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (out.status !== 0) throw new Error(`pq_bench.py failed (${out.status}): ${out.stderr}`);
    const parsed = JSON.parse(out.stdout) as { faiss: string; results: FaissResult[] };
    todo.forEach((c, i) => (cache.entries[keyOf(c)] = parsed.results[i]));
    cache.truthOf = vectors;
    cache.faiss = parsed.faiss;
    writeFileSync(cachePath, JSON.stringify(cache));
  }
  const gt = readFileSync(gtPath);
  const truth = new Int32Array(gt.buffer.slice(gt.byteOffset, gt.byteOffset + gt.length));
  const results = configs.map((c) => ({ ...cache.entries[keyOf(c)], name: c.name }));
  return { version: cache.faiss, results, truth };
}
