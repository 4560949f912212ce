import { describe, expect, it } from 'vitest';
import { areaSpans, pixelsToInput, type InputSpec } from '../../../core/image/index.ts';
import { maxAbsDiff, orientNaive, preprocessNaive, randomImage } from './helpers.ts';

const GRAY_28: InputSpec = { channels: 1, height: 28, width: 28, invert: true };
/** Float32 rounding of values in [0, 1] after float64 sums: well under one 8-bit level. */
const TOLERANCE = 1e-5;

describe('areaSpans', () => {
  it.each([
    [28, 28],
    [533, 28],
    [400, 21],
    [7, 28],
    [29, 28],
  ])('weights of %i → %i sum to 1 per output and cover each input once', (n, m) => {
    const spans = areaSpans(n, m);
    const coverage = new Float64Array(n);
    for (const { start, weights } of spans) {
      expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
      weights.forEach((w, t) => (coverage[start + t] += (w * n) / m));
    }
    coverage.forEach((c) => expect(c).toBeCloseTo(1, 12));
  });

  it('is the identity at scale 1, weights exactly 1', () => {
    for (const { weights } of areaSpans(28, 28)) expect([...weights]).toEqual([1]);
  });
});

describe('pixelsToInput', () => {
  it('reproduces 28×28 gray pixels exactly after invert (the service → trainer round trip)', () => {
    const image = randomImage(28, 28, 1);
    for (let p = 0; p < 28 * 28; p++) {
      const v = image.data[p * 4];
      image.data.set([v, v, v, 255], p * 4);
    }
    const input = pixelsToInput(image, 1, GRAY_28);
    const expected = Float32Array.from({ length: 784 }, (_, p) => 1 - image.data[p * 4] / 255);
    expect(maxAbsDiff(input, expected)).toBeLessThan(1e-6);
  });

  it.each([
    [400, 533, 1],
    [533, 400, 3],
    [31, 17, 1],
    [5, 90, 3],
    [28, 28, 3],
    [13, 13, 1],
  ])('matches the naive area integral for %i×%i, C=%i', (w, h, channels) => {
    const spec: InputSpec = { channels: channels as 1 | 3, height: 28, width: 24, invert: false };
    const image = randomImage(w, h, w * h);
    expect(maxAbsDiff(pixelsToInput(image, 1, spec), preprocessNaive(image, spec))).toBeLessThan(
      TOLERANCE,
    );
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('applies EXIF orientation %i as the naive rotation', (o) => {
    const image = randomImage(37, 23, o);
    const spec: InputSpec = { channels: 1, height: 28, width: 28, invert: true };
    const expected = preprocessNaive(orientNaive(image, o), spec);
    expect(maxAbsDiff(pixelsToInput(image, o, spec), expected)).toBeLessThan(TOLERANCE);
  });

  it('composites transparency over white and pads with white', () => {
    const image = { data: new Uint8ClampedArray(10 * 20 * 4), width: 10, height: 20 };
    const input = pixelsToInput(image, 1, { channels: 1, height: 28, width: 28, invert: false });
    expect(Math.min(...input)).toBe(1);
    const half = { data: new Uint8ClampedArray([0, 0, 0, 128]), width: 1, height: 1 };
    const gray = pixelsToInput(half, 1, { channels: 1, height: 1, width: 1, invert: false });
    expect(gray[0]).toBeCloseTo(1 - 128 / 255, 6);
  });
});
