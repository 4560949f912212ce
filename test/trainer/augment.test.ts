import { describe, expect, it } from 'vitest';
import { fillBatch, mulberry32, type ImageBlock } from '../../trainer/data/augment.ts';
import { applyColour, hueRotation } from '../../trainer/data/colour.ts';

/** Two 5×7 one-channel images with distinct pixel values (odd sizes on purpose). */
const H = 5;
const W = 7;
const SIZE = H * W;
const images: ImageBlock = {
  pixels: Float32Array.from({ length: 2 * SIZE }, (_, i) => ((i * 37) % 101) / 100),
  height: H,
  width: W,
  channels: 1,
};

function batch(augment: Parameters<typeof fillBatch>[4], seed: number, withSecond = false) {
  const input = new Float32Array(2 * SIZE);
  const target = new Float32Array(2 * SIZE);
  const second = withSecond ? new Float32Array(2 * SIZE) : undefined;
  fillBatch(images, [1, 0], input, target, augment, mulberry32(seed), second);
  return { input, target, second };
}

describe('fillBatch', () => {
  it('copies the clean images when every corruption is off', () => {
    const { input, target } = batch({ maxShiftPx: 0, noiseStd: 0 }, 1);
    const expected = [...images.pixels.subarray(SIZE), ...images.pixels.subarray(0, SIZE)];
    expect([...target]).toEqual(expected);
    expect([...input]).toEqual(expected);
  });

  it('shifts by whole pixels with zero fill, the clean image as target', () => {
    for (let seed = 1; seed < 20; seed++) {
      const { input, target } = batch({ maxShiftPx: 1, noiseStd: 0 }, seed);
      const img = input.subarray(0, SIZE);
      const src = target.subarray(0, SIZE);
      // Find the shift that explains the view: some (dy, dx) in [-1, 1]² must match exactly.
      const explains = [-1, 0, 1].some((dy) =>
        [-1, 0, 1].some((dx) =>
          img.every((v, i) => {
            const y = Math.floor(i / W) - dy;
            const x = (i % W) - dx;
            return v === (y < 0 || y >= H || x < 0 || x >= W ? 0 : src[y * W + x]);
          }),
        ),
      );
      expect(explains).toBe(true);
    }
  });

  it('mirrors view and target together, and zooms within the image range', () => {
    let mirrored = 0;
    for (let seed = 1; seed < 20; seed++) {
      const { input, target } = batch({ maxShiftPx: 0, noiseStd: 0, flip: true }, seed);
      const src = images.pixels.subarray(SIZE);
      const flipped = target[W - 1] === src[0] && target[0] === src[W - 1];
      if (flipped) mirrored++;
      expect([...input]).toEqual([...target]);
    }
    // 19 fair coin flips: 0 or 19 mirrored has probability 2·2⁻¹⁹.
    expect(mirrored).toBeGreaterThan(0);
    expect(mirrored).toBeLessThan(19);
    const zoomed = batch({ maxShiftPx: 0, noiseStd: 0, maxScale: 0.3, maxContrast: 0.3 }, 5);
    expect(zoomed.input).not.toEqual(zoomed.target);
    expect(zoomed.input.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('erases one rectangle of the view to the background, the target whole', () => {
    let erasedSome = 0;
    for (let seed = 1; seed < 20; seed++) {
      const { input, target } = batch({ maxShiftPx: 0, noiseStd: 0, maxErase: 0.6 }, seed);
      const changed: [number, number][] = [];
      input.subarray(0, SIZE).forEach((v, i) => {
        if (v !== target[i]) changed.push([Math.floor(i / W), i % W]);
      });
      // Every changed pixel is now 0, and the changed pixels lie in one rectangle no larger
      // than 0.6 of each side (rounded): ⌈0.6·5⌉ = 3 rows, ⌈0.6·7⌉ = 5 columns.
      for (const [y, x] of changed) expect(input[y * W + x]).toBe(0);
      if (changed.length === 0) continue;
      erasedSome++;
      const rows = new Set(changed.map(([y]) => y));
      const cols = new Set(changed.map(([, x]) => x));
      expect(Math.max(...rows) - Math.min(...rows) + 1).toBeLessThanOrEqual(3);
      expect(Math.max(...cols) - Math.min(...cols) + 1).toBeLessThanOrEqual(5);
      expect(target.subarray(0, SIZE)).toEqual(images.pixels.subarray(SIZE));
    }
    expect(erasedSome).toBeGreaterThan(5);
  });

  it('draws a second, independent view of the same images', () => {
    const augment = { maxShiftPx: 2, noiseStd: 0.1, maxScale: 0.15, flip: true };
    const { input, target, second } = batch(augment, 3, true);
    expect(second).not.toEqual(input);
    const again = batch(augment, 3, true);
    expect(again.input).toEqual(input);
    expect(again.second).toEqual(second);
    expect(again.target).toEqual(target);
  });
});

describe('views of RGB photos', () => {
  /** One 3×4 RGB image, NHWC, values away from 0 and 1. */
  const rgb: ImageBlock = {
    pixels: Float32Array.from({ length: 36 }, (_, i) => 0.2 + ((i * 29) % 31) / 60),
    height: 3,
    width: 4,
    channels: 3,
  };

  it('fills what a shift uncovers with `fill` (white for photos)', () => {
    const input = new Float32Array(36);
    const target = new Float32Array(36);
    let uncovered = 0;
    for (let seed = 1; seed < 10; seed++) {
      fillBatch(rgb, [0], input, target, { maxShiftPx: 1, noiseStd: 0, fill: 1 }, mulberry32(seed));
      uncovered += input.filter((v) => v === 1).length;
      expect(input.every((v) => v === 1 || rgb.pixels.includes(v))).toBe(true);
    }
    expect(uncovered).toBeGreaterThan(0);
  });

  it('turns hue about the grey axis: greys stay grey, a full turn is the identity', () => {
    const m = hueRotation(0.7);
    // Each row and column of a rotation about (1, 1, 1) sums to 1 (greys are fixed points).
    for (let r = 0; r < 3; r++) expect(m[r * 3] + m[r * 3 + 1] + m[r * 3 + 2]).toBeCloseTo(1, 12);
    const turn = hueRotation(2 * Math.PI);
    [1, 0, 0, 0, 1, 0, 0, 0, 1].forEach((v, i) => expect(turn[i]).toBeCloseTo(v, 12));
    // Orthogonal: M·Mᵀ = I (tolerance: float64 rounding).
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const dot = m[i * 3] * m[j * 3] + m[i * 3 + 1] * m[j * 3 + 1] + m[i * 3 + 2] * m[j * 3 + 2];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('makes a grey view the BT.601 luma in every channel, and saturation 1 a no-op', () => {
    const pixel = Float32Array.of(0.8, 0.4, 0.2);
    applyColour(pixel, { saturation: 1, hue: 0, grey: true });
    const luma = 0.299 * 0.8 + 0.587 * 0.4 + 0.114 * 0.2;
    [0, 1, 2].forEach((c) => expect(pixel[c]).toBeCloseTo(luma, 6));
    const same = Float32Array.of(0.8, 0.4, 0.2);
    applyColour(same, { saturation: 1, hue: 0, grey: false });
    expect([...same]).toEqual([...Float32Array.of(0.8, 0.4, 0.2)]);
  });

  it('draws colour changes only when asked, so older runs keep their views', () => {
    const draw = (augment: Parameters<typeof fillBatch>[4]) => {
      const input = new Float32Array(36);
      fillBatch(rgb, [0], input, new Float32Array(36), augment, mulberry32(9));
      return input;
    };
    const plain = { maxShiftPx: 1, noiseStd: 0.05, maxScale: 0.2, flip: true };
    expect(draw({ ...plain, maxSaturation: 0, maxHue: 0, grey: 0 })).toEqual(draw(plain));
    const coloured = draw({ ...plain, maxSaturation: 0.5, maxHue: 0.2, grey: 0.3 });
    expect(coloured).not.toEqual(draw(plain));
    expect(coloured.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
