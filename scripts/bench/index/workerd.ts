/**
 * Runs ./worker.ts inside workerd (Miniflare, as `wrangler dev` does): the Worker times batches
 * of scans and searches itself; the best batch of several is kept, as on the Node side (the
 * machine is shared, so longer or averaged runs measure the neighbours as much as the code).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { loadScanModule, SCAN_WASM_URL } from '../../build-wasm.ts';

/** What the Worker measured: per full scan of `count` codes, and per search (k = 10). */
export interface WorkerdFigures {
  count: number;
  codesPerSecond: number;
  msPerQuery: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));
/** The same batches as the Node side of scripts/bench/index.ts. */
const ROUNDS = 30;
const BATCH_REPS = 40;

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [join(here, 'worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    external: ['./scan.wasm', './index.bin', './queries.bin'],
  });
  return out.outputFiles[0].text;
}

/** Best time per repetition (ms) of `op` over ROUNDS requests of `reps` repetitions each. */
async function time(mf: Miniflare, op: string, reps: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const res = await mf.dispatchFetch(`http://bench/?op=${op}&reps=${reps}`);
    const { ms } = (await res.json()) as { ms: number };
    best = Math.min(best, ms / reps);
  }
  return best;
}

/**
 * Times the wasm scan and the search of `indexBytes` (an index file) inside workerd, with
 * `queries` (Float32Array, size Q·d) as the search queries.
 */
export async function benchInWorkerd(
  indexBytes: Uint8Array,
  queries: Float32Array,
  count: number,
): Promise<WorkerdFigures> {
  await loadScanModule();
  const dir = join(here, '../../../artifacts/bench/index-worker');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'worker.mjs'), await bundle());
  const mf = new Miniflare({
    modulesRoot: dir,
    modules: [
      { type: 'ESModule', path: join(dir, 'worker.mjs') },
      { type: 'CompiledWasm', path: join(dir, 'scan.wasm'), contents: readFileSync(SCAN_WASM_URL) },
      { type: 'Data', path: join(dir, 'index.bin'), contents: indexBytes },
      { type: 'Data', path: join(dir, 'queries.bin'), contents: new Uint8Array(queries.buffer) },
    ],
    compatibilityDate: '2026-04-01',
  });
  try {
    const scanMs = await time(mf, 'scan', BATCH_REPS);
    const searchMs = await time(mf, 'search', BATCH_REPS);
    return { count, codesPerSecond: count / (scanMs / 1000), msPerQuery: searchMs };
  } finally {
    await mf.dispose();
  }
}
