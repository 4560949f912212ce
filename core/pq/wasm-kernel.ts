/**
 * The wasm ADC scan kernel (core/pq/scan.wat, assembled to core/pq/scan.wasm at build time by
 * scripts/build-wasm.ts). workerd cannot compile wasm from bytes at run time, so the compiled
 * `WebAssembly.Module` is injected: a Worker imports the .wasm file as a module, Node compiles
 * it from the file (see `loadScanModule` in scripts/build-wasm.ts).
 */
import type { AssignFn } from './kmeans.ts';
import type { PqParams } from './params.ts';
import { referenceKernel, type CodeScanner, type ScanKernel } from './scan.ts';

/** Bytes reserved at address 0 for the distance table: M·256 f32, so M ≤ 64 at 8 bits. */
export const WASM_TABLE_BYTES = 64 * 1024;
const WASM_PAGE_BYTES = 65536;

type Adc8 = (codes: number, n: number, M: number, out: number) => void;
type Adc8M16 = (codes: number, n: number, out: number) => void;
type Nearest = (
  ct: number,
  k: number,
  dim: number,
  data: number,
  n: number,
  assign: number,
  dist: number,
) => void;
/** Rows assigned per call of the wasm `nearest`, to bound the memory it needs. */
const ASSIGN_BLOCK_ROWS = 8192;
/** Stands in for the missing centroids when k is padded to a multiple of 4. */
const FAR_AWAY = 1e30;

function growTo(memory: WebAssembly.Memory, bytes: number): void {
  if (bytes > memory.buffer.byteLength) {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / WASM_PAGE_BYTES));
  }
}

/**
 * The wasm nearest-centroid assignment (same contract as kmeans.ts's assignNearest), on one
 * instance of its own: centroids transposed to [dim][k4], rows in blocks.
 */
function wasmAssign(module: WebAssembly.Module): AssignFn {
  let instance: WebAssembly.Instance | undefined;
  return (data, n, dim, centroids, k, assign, dist) => {
    instance ??= new WebAssembly.Instance(module, {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const nearest = instance.exports.nearest as Nearest;
    const k4 = Math.ceil(k / 4) * 4;
    const rows = Math.min(n, ASSIGN_BLOCK_ROWS);
    const dataAt = k4 * dim * 4;
    const assignAt = dataAt + rows * dim * 4;
    const distAt = assignAt + rows * 4;
    growTo(memory, distAt + rows * 4);
    const ct = new Float32Array(memory.buffer, 0, k4 * dim).fill(FAR_AWAY);
    for (let j = 0; j < k; j++) {
      for (let t = 0; t < dim; t++) ct[t * k4 + j] = centroids[j * dim + t];
    }
    const rowsView = new Float32Array(memory.buffer, dataAt, rows * dim);
    const assignView = new Int32Array(memory.buffer, assignAt, rows);
    const distView = new Float32Array(memory.buffer, distAt, rows);
    for (let start = 0; start < n; start += rows) {
      const count = Math.min(rows, n - start);
      rowsView.set(data.subarray(start * dim, (start + count) * dim));
      nearest(0, k4, dim, dataAt, count, assignAt, distAt);
      assign.set(assignView.subarray(0, count), start);
      dist.set(distView.subarray(0, count), start);
    }
  };
}

/**
 * True when the wasm kernel handles this shape: nbits = 8 with M a multiple of 4, at most 64
 * (exact ADC scan), or nbits = 4 with M even, at most 256 (fast scan, approximate).
 */
export function wasmSupports(params: PqParams): boolean {
  const { nbits, M } = params;
  if (nbits === 4) return M % 2 === 0 && M <= 256;
  return nbits === 8 && M % 4 === 0 && M * 256 * 4 <= WASM_TABLE_BYTES;
}

function bindWasm(module: WebAssembly.Module, codes: Uint8Array, params: PqParams): CodeScanner {
  const { M, ksub, codeSize } = params;
  const count = codes.length / codeSize;
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const adc8 = instance.exports.adc8 as Adc8;
  const adc8m16 = instance.exports.adc8_m16 as Adc8M16;
  const codesAt = WASM_TABLE_BYTES;
  const outAt = codesAt + Math.ceil(codes.length / 16) * 16;
  growTo(memory, outAt + count * 4);
  new Uint8Array(memory.buffer).set(codes, codesAt);
  const table = new Float32Array(memory.buffer, 0, M * ksub);
  const out = new Float32Array(memory.buffer, outAt, count);
  return {
    scan(query, start, end) {
      table.set(query);
      if (M === 16) adc8m16(codesAt + start * codeSize, end - start, outAt);
      else adc8(codesAt + start * codeSize, end - start, M, outAt);
      return out.subarray(0, end - start);
    },
  };
}

type Fs4 = (
  codes: number,
  nblocks: number,
  pairs: number,
  luts: number,
  out: number,
  base: number,
  inv: number,
) => void;
/** Items per block of the 4-bit fast scan: one i8x16.swizzle looks up 16 codes. */
const FS4_BLOCK = 16;

/**
 * Quantizes the distance table (Float32Array, size M·16) to u8 look-up tables in `luts`
 * (M·16 bytes): entry = round((t − min_m)·scale), one scale for all m so that sums compare.
 * Returns the base (Σ min_m) and 1/scale that turn a sum of entries back into a distance.
 */
function quantizeTable(table: Float32Array, M: number, luts: Uint8Array) {
  let base = 0;
  let range = 0;
  const mins = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < 16; j++) {
      lo = Math.min(lo, table[m * 16 + j]);
      hi = Math.max(hi, table[m * 16 + j]);
    }
    mins[m] = lo;
    base += lo;
    range = Math.max(range, hi - lo);
  }
  const scale = range > 0 ? 255 / range : 1;
  for (let m = 0; m < M; m++) {
    for (let j = 0; j < 16; j++) {
      luts[m * 16 + j] = Math.round((table[m * 16 + j] - mins[m]) * scale);
    }
  }
  return { base, inv: 1 / scale };
}

/**
 * 4-bit fast scan: codes are regrouped in blocks of 16 items (see scan.wat's fs4), distances
 * come from u8-quantized tables, so they are approximate: `exact` is false and search
 * re-scores its candidates.
 */
function bindFastScan(module: WebAssembly.Module, codes: Uint8Array, params: PqParams) {
  const { M, codeSize } = params;
  const count = codes.length / codeSize;
  const blocks = Math.ceil(count / FS4_BLOCK);
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const fs4 = instance.exports.fs4 as Fs4;
  const codesAt = WASM_TABLE_BYTES;
  const outAt = codesAt + blocks * codeSize * FS4_BLOCK;
  growTo(memory, outAt + blocks * FS4_BLOCK * 4);
  const blocked = new Uint8Array(memory.buffer, codesAt, blocks * codeSize * FS4_BLOCK);
  for (let i = 0; i < count; i++) {
    const at = (i - (i % FS4_BLOCK)) * codeSize + (i % FS4_BLOCK);
    for (let p = 0; p < codeSize; p++) blocked[at + p * FS4_BLOCK] = codes[i * codeSize + p];
  }
  const luts = new Uint8Array(memory.buffer, 0, M * 16);
  const out = new Float32Array(memory.buffer, outAt, blocks * FS4_BLOCK);
  return {
    exact: false,
    scan(table: Float32Array, start: number, end: number) {
      const { base, inv } = quantizeTable(table, M, luts);
      const first = Math.floor(start / FS4_BLOCK);
      const last = Math.ceil(end / FS4_BLOCK);
      const at = codesAt + first * codeSize * FS4_BLOCK;
      fs4(at, last - first, codeSize, 0, outAt, base, inv);
      const skip = start - first * FS4_BLOCK;
      return out.subarray(skip, skip + end - start);
    },
  };
}

/**
 * Returns a scan kernel running the compiled scan.wasm `module`; each bound index gets its own
 * instance and memory (a copy of its codes, count·codeSize bytes, plus 4 bytes an item of
 * output). Shapes the wasm does not handle ({@link wasmSupports}) use the reference kernel.
 * Its `assign` (k-means and encoding, for builds) uses one more instance.
 */
export function createWasmKernel(module: WebAssembly.Module): ScanKernel {
  return {
    name: 'wasm',
    assign: wasmAssign(module),
    bind(codes, params) {
      if (!wasmSupports(params)) return referenceKernel.bind(codes, params);
      return params.nbits === 4
        ? bindFastScan(module, codes, params)
        : bindWasm(module, codes, params);
    },
  };
}
