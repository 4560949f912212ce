/**
 * Bench-only Worker, run inside workerd by ./workerd.ts: scans and searches a 70,000-item
 * index R times per request and answers `{ ms }`, the time taken (local workerd's clock
 * advances during execution, at 1 ms resolution; deployed Workers' clock does not).
 *
 * GET /?op=scan&reps=R    R full ADC scans of every code with the wasm kernel
 * GET /?op=search&reps=R  R searches (k = 10) for the bundled queries in turn
 */
import { createWasmKernel, readIndex, type SimilarityIndex } from '../../../core/index/index.ts';
import { pqParams } from '../../../core/pq/params.ts';
import indexFile from './index.bin';
import queryFile from './queries.bin';
import scanModule from './scan.wasm';

let index: SimilarityIndex | undefined;

function scans(ix: SimilarityIndex, reps: number): number {
  const { d, M, nbits, count } = ix.header;
  const scanner = createWasmKernel(scanModule).bind(ix.data.codes, pqParams(d, M, nbits));
  const table = Float32Array.from({ length: M << nbits }, (_, i) => (i * 7919) % 256);
  scanner.scan(table, 0, count);
  let check = 0;
  for (let r = 0; r < reps; r++) check += scanner.scan(table, 0, count)[r % count];
  return check;
}

function searches(ix: SimilarityIndex, reps: number): number {
  const queries = new Float32Array(queryFile);
  const { d } = ix.header;
  const count = queries.length / d;
  let check = 0;
  for (let r = 0; r < reps; r++) {
    const q = queries.subarray((r % count) * d, (r % count) * d + d);
    check += ix.search(q, 10)[0].ordinal;
  }
  return check;
}

/** The Worker: `?op=scan|search&reps=R` answers `{ ms, check, count }`. */
export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    const reps = Number(url.searchParams.get('reps') ?? '0');
    index ??= readIndex(new Uint8Array(indexFile), { kernel: createWasmKernel(scanModule) });
    const op = url.searchParams.get('op') === 'scan' ? scans : searches;
    const ix = index;
    op(ix, 1);
    const started = performance.now();
    const check = op(ix, reps);
    return Response.json({ ms: performance.now() - started, check, count: ix.header.count });
  },
};
