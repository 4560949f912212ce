import { describe, expect, it } from 'vitest';
import { pqParams } from '../../../core/pq/params.ts';
import { assignNearest, type AssignFn } from '../../../core/pq/kmeans.ts';
import { createRng } from '../../../core/pq/random.ts';
import { referenceKernel } from '../../../core/pq/scan.ts';
import { TopK } from '../../../core/pq/topk.ts';
import { createWasmKernel, wasmSupports } from '../../../core/pq/wasm-kernel.ts';
import { loadScanModule } from '../../../scripts/build-wasm.ts';

const wasm = createWasmKernel(await loadScanModule());

describe('wasm ADC scan', () => {
  for (const M of [4, 8, 16, 32, 64]) {
    it(`equals the reference scan for M=${M} (relative 1e-6)`, () => {
      const params = pqParams(M * 2, M, 8);
      const rng = createRng(M);
      const n = 1003;
      const codes = Uint8Array.from({ length: n * M }, () => Math.floor(rng() * 256));
      const table = Float32Array.from({ length: M * 256 }, () => rng() * 4);
      const want = referenceKernel.bind(codes, params).scan(table, 0, n).slice();
      const got = wasm.bind(codes, params).scan(table, 17, n);
      // Four partial sums instead of one change the float32 rounding: ~M ulps of the total.
      got.forEach((v, i) =>
        expect(Math.abs(v - want[17 + i])).toBeLessThan(1e-6 * want[17 + i] * M),
      );
    });
  }

  it('falls back to the reference for shapes it does not handle', () => {
    expect(wasmSupports(pqParams(12, 6, 8))).toBe(false);
    expect(wasmSupports(pqParams(32, 8, 6))).toBe(false);
    const params = pqParams(12, 6, 8);
    const codes = Uint8Array.from({ length: 60 }, (_, i) => (i * 31) % 256);
    const table = Float32Array.from({ length: 6 * 256 }, (_, i) => i % 7);
    expect(wasm.bind(codes, params).scan(table, 0, 10)).toEqual(
      referenceKernel.bind(codes, params).scan(table, 0, 10),
    );
  });
});

describe('TopK', () => {
  it('keeps the k smallest, sorted, like a full sort', () => {
    const rng = createRng(4);
    const values = Array.from({ length: 5000 }, () => Math.fround(rng()));
    const top = new TopK(37);
    values.forEach((v, i) => top.push(v, i));
    const want = values
      .map((v, i) => ({ ordinal: i, distance: v }))
      .sort((a, b) => a.distance - b.distance || a.ordinal - b.ordinal)
      .slice(0, 37);
    expect(top.sorted()).toEqual(want);
  });
});

describe('wasm nearest-centroid assignment', () => {
  for (const [dim, k] of [
    [4, 256],
    [3, 10],
    [64, 37],
  ]) {
    it(`agrees with the JavaScript one for dim=${dim}, k=${k}`, () => {
      const rng = createRng(dim * k);
      const n = 9000; // more than one block of 8192 rows
      const data = Float32Array.from({ length: n * dim }, () => rng());
      const cents = Float32Array.from({ length: k * dim }, () => rng());
      const [a1, a2] = [new Int32Array(n), new Int32Array(n)];
      const [d1, d2] = [new Float32Array(n), new Float32Array(n)];
      assignNearest(data, n, dim, cents, k, a1, d1);
      (wasm.assign as AssignFn)(data, n, dim, cents, k, a2, d2);
      // float32 sums against float64 ones: distances agree to 1e-5 relative, and a different
      // choice is only allowed between centroids at the same distance to that precision.
      for (let i = 0; i < n; i++) {
        expect(Math.abs(d2[i] - d1[i])).toBeLessThanOrEqual(1e-5 * d1[i] + 1e-7);
        if (a1[i] !== a2[i]) {
          let s = 0;
          for (let t = 0; t < dim; t++) s += (data[i * dim + t] - cents[a2[i] * dim + t]) ** 2;
          expect(Math.abs(s - d1[i])).toBeLessThanOrEqual(1e-5 * d1[i] + 1e-7);
        }
      }
    });
  }
});

describe('wasm 4-bit fast scan', () => {
  for (const M of [2, 16, 32]) {
    it(`stays within the table quantization error of the reference for M=${M}`, () => {
      const params = pqParams(M * 2, M, 4);
      const rng = createRng(100 + M);
      const n = 1000;
      const codes = Uint8Array.from({ length: n * params.codeSize }, () => Math.floor(rng() * 256));
      const table = Float32Array.from({ length: M * 16 }, () => rng() * 3);
      const want = referenceKernel.bind(codes, params).scan(table, 0, n).slice();
      const scanner = wasm.bind(codes, params);
      expect(scanner.exact).toBe(false);
      // Each of the M entries is rounded to a step of (largest per-table range) / 255: the sum
      // is off by at most M / 2 steps, and the range here is below 3.
      const bound = (M / 2) * (3 / 255) + 1e-5;
      for (const [start, end] of [
        [0, n],
        [5, 37],
        [16, 32],
        [999, 1000],
      ]) {
        const got = scanner.scan(table, start, end);
        expect(got.length).toBe(end - start);
        got.forEach((v, i) => expect(Math.abs(v - want[start + i])).toBeLessThanOrEqual(bound));
      }
    });
  }
});
