import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from '../../../core/pq/float16.ts';

describe('float16', () => {
  it('converts known values exactly', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [2 ** -24, 0x0001],
      [Infinity, 0x7c00],
      [1e6, 0x7c00],
      [1 / 3, 0x3555],
    ];
    for (const [value, bits] of cases) expect(toFloat16Bits(value)).toBe(bits);
    expect(fromFloat16Bits(0x3555)).toBeCloseTo(1 / 3, 3);
  });

  it('round-trips every finite half exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      const back = toFloat16Bits(fromFloat16Bits(h));
      expect(back === h || (h === 0x8000 && back === 0x8000)).toBe(true);
    }
  });

  it('rounds to nearest, ties to even', () => {
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
});
