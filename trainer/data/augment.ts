/**
 * Seeded randomness and the corruptions the training views are made with.
 *
 * A view of a clean image is the image mirrored left–right (at random, with `flip`), zoomed
 * about its centre by up to ±`maxScale` (bilinear), shifted by up to `maxShiftPx` pixels in each
 * direction (uncovered pixels take `fill`: 0, the black background of Fashion-MNIST, unless
 * the images are photos padded with white), with its contrast scaled by up to
 * ±`maxContrast`, a random rectangle of up to `maxErase` of each side set to `fill`, for RGB
 * images with its saturation, hue and greyness drawn (colour.ts), plus Gaussian pixel noise of
 * standard deviation `noiseStd`, clipped to [0, 1].
 * Its target is the clean image, mirrored as the view is but neither zoomed nor shifted.
 * Reconstructing the centred garment from a displaced, noisy view, and (with the invariance
 * term of trainer/train-objective.ts) embedding two views of one image alike, asks the encoder
 * for features that ignore these nuisances, which is what similarity search needs.
 */

import { applyColour, type ColourDraw } from './colour.ts';

/** A generator of uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: a small, fast 32-bit generator; the same seed gives the same sequence. */
export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed derived from a base seed and a stream number (e.g. the epoch), well mixed. */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** A random permutation of 0..n-1 (Fisher–Yates), Uint32Array of length n. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** Strength of the corruptions. Zero (or false) turns a corruption off. */
export interface AugmentConfig {
  /** Largest shift in each direction, px (0 = none). */
  maxShiftPx: number;
  /** Standard deviation of the additive Gaussian pixel noise, in pixel units of [0, 1]. */
  noiseStd: number;
  /**
   * Largest relative change of scale about the image centre: each view is zoomed by a factor
   * drawn from [1 − s, 1 + s] and resampled bilinearly (0 = none, at most 0.5).
   */
  maxScale?: number;
  /** Mirror each view left–right with probability 1/2 (its clean target is mirrored too). */
  flip?: boolean;
  /** Largest relative change of contrast: pixels are multiplied by [1 − j, 1 + j] (0 = none). */
  maxContrast?: number;
  /**
   * Largest side of the rectangle blanked out of each view (random erasing), as a fraction of
   * the image side: height and width are drawn from [0, e] of the image's, the position
   * uniformly (0 = none, at most 1). The target stays whole: a masked reconstruction.
   */
  maxErase?: number;
  /**
   * Value of the pixels a shift or zoom uncovers, in [0, 1]: 0 (black, the background of
   * Fashion-MNIST; the default) or 1 (white, the padding of photos fitted on white).
   */
  fill?: number;
  /** Largest relative change of saturation (RGB only): chroma × [1 − s, 1 + s] (0 = none). */
  maxSaturation?: number;
  /** Largest hue rotation (RGB only), in half turns: ±h·180° (0 = none, at most 1). */
  maxHue?: number;
  /** Probability that a view is grey (RGB only; BT.601 luma in every channel; 0 = never). */
  grey?: number;
}

/** Image geometry: `pixels` is NHWC row-major, size `count * height * width * channels`. */
export interface ImageBlock {
  pixels: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** The random draws of one view; drawn in this order so that disabled options draw nothing. */
interface ViewDraw {
  dy: number;
  dx: number;
  scale: number;
  flip: boolean;
  gain: number;
  /** The blanked rectangle: rows [ey, ey + eh), columns [ex, ex + ew); eh = 0: none. */
  ey: number;
  ex: number;
  eh: number;
  ew: number;
  colour: ColourDraw;
}

function drawView(augment: AugmentConfig, rng: Rng): ViewDraw {
  const span = 2 * augment.maxShiftPx + 1;
  const dy = Math.floor(rng() * span) - augment.maxShiftPx;
  const dx = Math.floor(rng() * span) - augment.maxShiftPx;
  const s = augment.maxScale ?? 0;
  const scale = s > 0 ? 1 - s + 2 * s * rng() : 1;
  const flip = augment.flip === true && rng() < 0.5;
  const j = augment.maxContrast ?? 0;
  const gain = j > 0 ? 1 - j + 2 * j * rng() : 1;
  const e = augment.maxErase ?? 0;
  const erase = { ey: 0, ex: 0, eh: 0, ew: 0 };
  if (e > 0) {
    // Fractions of the side here; fillView turns them into pixels of the image.
    erase.eh = e * rng();
    erase.ew = e * rng();
    erase.ey = (1 - erase.eh) * rng();
    erase.ex = (1 - erase.ew) * rng();
  }
  const sat = augment.maxSaturation ?? 0;
  const hue = augment.maxHue ?? 0;
  const colour = {
    saturation: sat > 0 ? 1 - sat + 2 * sat * rng() : 1,
    hue: hue > 0 ? (2 * rng() - 1) * hue * Math.PI : 0,
    grey: (augment.grey ?? 0) > 0 && rng() < (augment.grey ?? 0),
  };
  return { dy, dx, scale, flip, gain, ...erase, colour };
}

/** Sets the view's erased rectangle of `out` to `fill` (one image, NHWC). */
function erase(out: Float32Array, view: ViewDraw, h: number, w: number, fill: number) {
  const c = out.length / (h * w);
  const y0 = Math.round(view.ey * h);
  const x0 = Math.round(view.ex * w);
  const y1 = Math.min(h, y0 + Math.round(view.eh * h));
  const x1 = Math.min(w, x0 + Math.round(view.ew * w));
  for (let y = y0; y < y1; y++) out.fill(fill, (y * w + x0) * c, (y * w + x1) * c);
}

/** Writes `src` mirrored left–right into `out` (one image, NHWC). */
function mirror(src: Float32Array, out: Float32Array, h: number, w: number, c: number): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = src[(y * w + (w - 1 - x)) * c + k];
    }
  }
}

/** Writes `src` shifted by whole pixels (dy, dx) into `out`, `fill` outside (one image, NHWC). */
function shift(
  src: Float32Array,
  out: Float32Array,
  view: ViewDraw,
  h: number,
  w: number,
  fill: number,
) {
  const c = src.length / (h * w);
  const { dy, dx } = view;
  out.fill(fill);
  for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
    const from = ((y - dy) * w + Math.max(0, -dx)) * c;
    const to = (y * w + Math.max(0, dx)) * c;
    out.set(src.subarray(from, from + (w - Math.abs(dx)) * c), to);
  }
}

/**
 * Writes `src` zoomed by `view.scale` about the centre and shifted by (dy, dx) into `out`:
 * each output pixel samples the source bilinearly, `fill` outside (one image, NHWC).
 */
function warp(
  src: Float32Array,
  out: Float32Array,
  view: ViewDraw,
  h: number,
  w: number,
  fill: number,
) {
  const c = src.length / (h * w);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const at = (y: number, x: number, k: number) =>
    y < 0 || y >= h || x < 0 || x >= w ? fill : src[(y * w + x) * c + k];
  for (let y = 0; y < h; y++) {
    const sy = cy + (y - view.dy - cy) / view.scale;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = cx + (x - view.dx - cx) / view.scale;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      for (let k = 0; k < c; k++) {
        const top = at(y0, x0, k) * (1 - fx) + at(y0, x0 + 1, k) * fx;
        const bottom = at(y0 + 1, x0, k) * (1 - fx) + at(y0 + 1, x0 + 1, k) * fx;
        out[(y * w + x) * c + k] = top * (1 - fy) + bottom * fy;
      }
    }
  }
}

/** Fills `out` with one corrupted view of `src` (`clean`: scratch, receives the clean target). */
function fillView(
  src: Float32Array,
  clean: Float32Array,
  out: Float32Array,
  images: ImageBlock,
  augment: AugmentConfig,
  rng: Rng,
): void {
  const { height: h, width: w, channels: c } = images;
  const view = drawView(augment, rng);
  if (view.flip) mirror(src, clean, h, w, c);
  else clean.set(src);
  const fill = augment.fill ?? 0;
  if (view.scale === 1) shift(clean, out, view, h, w, fill);
  else warp(clean, out, view, h, w, fill);
  if (view.gain !== 1) {
    for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i] * view.gain);
  }
  if (view.eh > 0) erase(out, view, h, w, fill);
  if (c === 3) applyColour(out, view.colour);
  if (augment.noiseStd > 0) addNoise(out, augment.noiseStd, rng);
}

/**
 * Fills one batch: for each `indices[k]`, `input` gets a corrupted view of the image (shift,
 * zoom, mirror, contrast, noise as `augment` says) and `target` the clean image, mirrored as the
 * view is. With `second`, it also gets an independent second view of the same image, for the
 * invariance term (trainer/train-objective.ts). All arrays NHWC, size
 * `indices.length * height * width * channels`.
 */
export function fillBatch(
  images: ImageBlock,
  indices: ArrayLike<number>,
  input: Float32Array,
  target: Float32Array,
  augment: AugmentConfig,
  rng: Rng,
  second?: Float32Array,
): void {
  const { height: h, width: w, channels: c } = images;
  const size = h * w * c;
  const scratch = new Float32Array(size);
  for (let k = 0; k < indices.length; k++) {
    const src = images.pixels.subarray(indices[k] * size, (indices[k] + 1) * size);
    const clean = target.subarray(k * size, (k + 1) * size);
    fillView(src, clean, input.subarray(k * size, (k + 1) * size), images, augment, rng);
    if (second) {
      fillView(src, scratch, second.subarray(k * size, (k + 1) * size), images, augment, rng);
    }
  }
}

/** Size of the table of standard normal values the noise is drawn from. */
const NORMAL_TABLE_SIZE = 1 << 16;

/**
 * 65,536 standard normal values (Box–Muller from a fixed seed). Drawing noise from this table
 * costs one uniform per pixel instead of a logarithm and a cosine: ~0.5 ms instead of ~10 ms for
 * a batch of 128 28×28 images.
 */
const NORMAL_TABLE: Float32Array = (() => {
  const rng = mulberry32(0x5eed);
  const table = new Float32Array(NORMAL_TABLE_SIZE);
  for (let i = 0; i < table.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const a = 2 * Math.PI * rng();
    table[i] = r * Math.cos(a);
    table[i + 1] = r * Math.sin(a);
  }
  return table;
})();

/** Adds Gaussian noise of standard deviation `std` in place, clipped to [0, 1]. */
function addNoise(x: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i] + std * NORMAL_TABLE[(rng() * NORMAL_TABLE_SIZE) | 0];
    x[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}
