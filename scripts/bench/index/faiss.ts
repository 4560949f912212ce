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
  nlist?: number;
  nprobe?: number;
  opq?: boolean;
  refine?: 'int8';
  rerankPerResult?: number;
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

/**
 * Runs the FAISS side; returns its version, its results and the exact top-10 (Int32Array,
 * size Q·10) that it wrote to `gtPath`. The results are kept in `gtPath`.json with the sha256
 * of the inputs and reused while the vectors and configurations are the same.
 */
export function runFaiss(
  basePath: string,
  queriesPath: string,
  d: number,
  gtPath: string,
  configs: FaissConfig[],
): { version: string; results: FaissResult[]; truth: Int32Array } {
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
    JSON.stringify(configs),
  ];
  const hash = createHash('sha256');
  for (const part of [readFileSync(basePath), readFileSync(queriesPath), readFileSync(SCRIPT)]) {
    hash.update(part);
  }
  const key = hash.update(JSON.stringify(configs)).digest('hex');
  const cachePath = `${gtPath}.json`;
  const cached =
    existsSync(cachePath) && existsSync(gtPath)
      ? (JSON.parse(readFileSync(cachePath, 'utf8')) as { key: string; stdout: string })
      : undefined;
  let stdout = cached?.key === key ? cached.stdout : undefined;
  if (stdout === undefined) {
    const out = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (out.status !== 0) throw new Error(`pq_bench.py failed (${out.status}): ${out.stderr}`);
    stdout = out.stdout;
    writeFileSync(cachePath, JSON.stringify({ key, stdout }));
  }
  const parsed = JSON.parse(stdout) as { faiss: string; results: FaissResult[] };
  const gt = readFileSync(gtPath);
  const truth = new Int32Array(gt.buffer.slice(gt.byteOffset, gt.byteOffset + gt.length));
  return { version: parsed.faiss, results: parsed.results, truth };
}
