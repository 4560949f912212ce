/**
 * The wasm ADC scan kernel (core/pq/scan.wat, assembled to core/pq/scan.wasm at build time by
 * scripts/build-wasm.ts). workerd cannot compile wasm from bytes at run time, so the compiled
 * `WebAssembly.Module` is injected: a Worker imports the .wasm file as a module, Node compiles
 * it from the file (see `loadScanModule` in scripts/build-wasm.ts).
 */
import type { PqParams } from './params.ts';
import { referenceKernel, type CodeScanner, type ScanKernel } from './scan.ts';

/** Bytes reserved at address 0 for the distance table: M·256 f32, so M ≤ 64 at 8 bits. */
export const WASM_TABLE_BYTES = 64 * 1024;
const WASM_PAGE_BYTES = 65536;

type Adc8 = (codes: number, n: number, M: number, out: number) => void;

/** True when the wasm kernel handles this shape: nbits = 8 and M a multiple of 4, at most 64. */
export function wasmSupports(params: PqParams): boolean {
  return params.nbits === 8 && params.M % 4 === 0 && params.M * 256 * 4 <= WASM_TABLE_BYTES;
}

function bindWasm(module: WebAssembly.Module, codes: Uint8Array, params: PqParams): CodeScanner {
  const { M, ksub, codeSize } = params;
  const count = codes.length / codeSize;
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const adc8 = instance.exports.adc8 as Adc8;
  const codesAt = WASM_TABLE_BYTES;
  const outAt = codesAt + Math.ceil(codes.length / 16) * 16;
  const needBytes = outAt + count * 4;
  if (needBytes > memory.buffer.byteLength) {
    memory.grow(Math.ceil((needBytes - memory.buffer.byteLength) / WASM_PAGE_BYTES));
  }
  new Uint8Array(memory.buffer).set(codes, codesAt);
  const table = new Float32Array(memory.buffer, 0, M * ksub);
  const out = new Float32Array(memory.buffer, outAt, count);
  return {
    scan(query, start, end) {
      table.set(query);
      adc8(codesAt + start * codeSize, end - start, M, outAt);
      return out.subarray(0, end - start);
    },
  };
}

/**
 * Returns a scan kernel running the compiled scan.wasm `module`; each bound index gets its own
 * instance and memory (a copy of its codes, count·codeSize bytes, plus 4 bytes an item of
 * output). Shapes the wasm does not handle ({@link wasmSupports}) use the reference kernel.
 */
export function createWasmKernel(module: WebAssembly.Module): ScanKernel {
  return {
    name: 'wasm',
    bind(codes, params) {
      return wasmSupports(params)
        ? bindWasm(module, codes, params)
        : referenceKernel.bind(codes, params);
    },
  };
}
