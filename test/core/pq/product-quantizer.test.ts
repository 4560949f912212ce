import { describe, expect, it } from 'vitest';
import { pqParams } from '../../../core/pq/params.ts';
import {
  decode,
  distanceTable,
  encode,
  packCode,
  trainPq,
  unpackCode,
} from '../../../core/pq/product-quantizer.ts';
import { referenceKernel } from '../../../core/pq/scan.ts';
import { clusteredVectors, squaredDistance } from './fixtures.ts';

describe('product quantizer', () => {
  // Odd shape on purpose: d = 30, M = 5 (dsub = 6), nbits = 6 (codes straddle bytes).
  const params = pqParams(30, 5, 6);
  const data = clusteredVectors(800, 30, 11);
  const pq = trainPq(data, 800, params, { seed: 2, iterations: 8 });

  it('packs and unpacks codes of every nbits exactly', () => {
    for (const nbits of [1, 3, 4, 5, 7, 8]) {
      const p = pqParams(35, 7, nbits);
      const idx = Uint8Array.from({ length: 7 }, (_, m) => (m * 37 + 11) % (1 << nbits));
      const code = new Uint8Array(p.codeSize + 2);
      packCode(idx, p, code, 1);
      const back = new Uint8Array(7);
      unpackCode(code, 1, p, back);
      expect(Array.from(back)).toEqual(Array.from(idx));
    }
  });

  it('encodes each centroid combination to its own code', () => {
    const { M, ksub, dsub, d } = params;
    const x = new Float32Array(ksub * d);
    for (let j = 0; j < ksub; j++) {
      for (let m = 0; m < M; m++) {
        const c = (j * (m + 1)) % ksub;
        x.set(
          pq.centroids.subarray((m * ksub + c) * dsub, (m * ksub + c + 1) * dsub),
          j * d + m * dsub,
        );
      }
    }
    const idx = new Uint8Array(M);
    const codes = encode(pq, x, ksub);
    for (let j = 0; j < ksub; j++) {
      unpackCode(codes, j * params.codeSize, params, idx);
      expect(Array.from(idx)).toEqual(Array.from({ length: M }, (_, m) => (j * (m + 1)) % ksub));
    }
    expect(decode(pq, codes, ksub)).toEqual(x);
  });

  it('gives ADC distances equal to distances to the reconstructions (1e-5)', () => {
    const n = 200;
    const codes = encode(pq, data, n);
    const recon = decode(pq, codes, n);
    const queries = clusteredVectors(5, 30, 99);
    const scanner = referenceKernel.bind(codes, params);
    for (let q = 0; q < 5; q++) {
      const table = distanceTable(pq, queries.subarray(q * 30, q * 30 + 30));
      const adc = scanner.scan(table, 0, n);
      for (let i = 0; i < n; i++) {
        // 1e-5: float32 sums of M = 5 terms of size ≤ 4 differ from a direct sum by ~1e-6.
        expect(Math.abs(adc[i] - squaredDistance(queries, q, recon, i, 30))).toBeLessThan(1e-5);
      }
    }
  });
});
