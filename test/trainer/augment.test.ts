import { describe, expect, it } from 'vitest';
import { fillBatch, mulberry32, type ImageBlock } from '../../trainer/data/augment.ts';

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
