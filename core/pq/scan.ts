/**
 * The ADC scan: the distance of a query to every code of a block, as a sum of M look-ups in
 * the query's distance table. A kernel is injected into the index so that Node and Workers can
 * supply the wasm one ({@link ./wasm-kernel.ts}) while tests keep this plain reference.
 */
import type { AssignFn } from './kmeans.ts';
import type { PqParams } from './params.ts';
import { unpackCode } from './product-quantizer.ts';

/** Scans codes bound to it. */
export interface CodeScanner {
  /**
   * False when the distances are approximations (the 4-bit fast scan's quantized tables):
   * search then re-scores its candidates exactly. Absent means exact.
   */
  readonly exact?: boolean;
  /**
   * ADC distances of the codes with ordinals [start, end) to the query whose distance table is
   * `table` (Float32Array, size M·ksub, row-major). Returns a Float32Array of size end - start
   * that may be a view into the kernel's memory: read it before the next call.
   */
  scan(table: Float32Array, start: number, end: number): Float32Array;
}

/** A way of scanning codes: plain JavaScript or wasm. */
export interface ScanKernel {
  /** Short name for reports ("js", "wasm"). */
  readonly name: string;
  /** Prepares a scanner over `codes` (Uint8Array, size count·codeSize, one code per item). */
  bind(codes: Uint8Array, params: PqParams): CodeScanner;
  /** A faster nearest-centroid assignment for training and encoding, if the kernel has one. */
  readonly assign?: AssignFn;
}

/** The plain JavaScript reference: any nbits, one table look-up per subquantizer. */
export const referenceKernel: ScanKernel = {
  name: 'js',
  bind(codes: Uint8Array, params: PqParams): CodeScanner {
    const { M, ksub, codeSize } = params;
    const idx = new Uint8Array(M);
    let out = new Float32Array(0);
    return {
      scan(table, start, end) {
        if (out.length < end - start) out = new Float32Array(end - start);
        for (let i = start; i < end; i++) {
          unpackCode(codes, i * codeSize, params, idx);
          let s = 0;
          for (let m = 0; m < M; m++) s += table[m * ksub + idx[m]];
          out[i - start] = s;
        }
        return out.subarray(0, end - start);
      },
    };
  },
};
