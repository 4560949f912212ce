import { describe, expect, it } from 'vitest';
import { pqParams, checkTrainingSize } from '../../../core/pq/params.ts';

describe('pqParams', () => {
  it('derives ksub, dsub and codeSize', () => {
    expect(pqParams(64, 16, 8)).toEqual({
      d: 64,
      M: 16,
      nbits: 8,
      ksub: 256,
      dsub: 4,
      codeSize: 16,
    });
    expect(pqParams(64, 16, 4).codeSize).toBe(8);
    expect(pqParams(60, 5, 3).codeSize).toBe(2);
  });

  it('names the values and the rule when d is not a multiple of M', () => {
    expect(() => pqParams(60, 16, 8)).toThrow('d=60 is not a multiple of M=16');
  });

  it('refuses nbits above 8 and non-integers', () => {
    expect(() => pqParams(64, 16, 9)).toThrow('nbits=9 is above the limit of 8');
    expect(() => pqParams(64, 0, 8)).toThrow('M=0 must be a positive integer');
    expect(() => pqParams(64.5, 16, 8)).toThrow('d=64.5 must be a positive integer');
  });

  it('refuses fewer training vectors than centroids', () => {
    expect(() => checkTrainingSize(100, 256, 'ksub')).toThrow(
      'n=100 training vectors is fewer than ksub=256',
    );
  });
});
