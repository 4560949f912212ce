/**
 * Colour corruptions of an RGB view: saturation, hue and a grey view, the colour distortions
 * that contrastive learning leans on (SimCLR) so that two views of a garment agree on its shape
 * more than on its colour. Pixels are NHWC, channels interleaved R G B, values in [0, 1].
 */
import { BT601_LUMA } from '../../core/image/index.ts';

/** One view's colour draw: `saturation` factor, `hue` angle in radians, `grey` or not. */
export interface ColourDraw {
  saturation: number;
  hue: number;
  grey: boolean;
}

/** The draw that leaves colours as they are. */
export const NO_COLOUR_CHANGE: ColourDraw = { saturation: 1, hue: 0, grey: false };

/**
 * The 3 × 3 matrix (row-major, size 9) that rotates RGB about the grey axis (1, 1, 1)/√3 by
 * `angle` radians (Rodrigues' formula): greys stay grey, and hue turns by `angle`.
 */
export function hueRotation(angle: number): Float64Array {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle) / Math.sqrt(3);
  const even = (1 - cos) / 3;
  // cos·I + (1 − cos)·n·nᵀ + sin·[n]×, with n·nᵀ = ones / 3 and [n]× = K / √3.
  const K = [0, -1, 1, 1, 0, -1, -1, 1, 0];
  return Float64Array.from(K, (k, i) => (i % 4 === 0 ? cos : 0) + even + sin * k);
}

/**
 * Applies `draw` to `rgb` in place (size pixels·3): the hue rotation, then saturation about
 * the BT.601 luma (`luma + s·(x − luma)`), or the luma itself in every channel for a grey view;
 * results clipped to [0, 1].
 */
export function applyColour(rgb: Float32Array, draw: ColourDraw): void {
  if (draw.saturation === 1 && draw.hue === 0 && !draw.grey) return;
  const m = hueRotation(draw.hue);
  const [wr, wg, wb] = BT601_LUMA;
  const s = draw.grey ? 0 : draw.saturation;
  for (let i = 0; i < rgb.length; i += 3) {
    const r0 = rgb[i];
    const g0 = rgb[i + 1];
    const b0 = rgb[i + 2];
    const r = m[0] * r0 + m[1] * g0 + m[2] * b0;
    const g = m[3] * r0 + m[4] * g0 + m[5] * b0;
    const b = m[6] * r0 + m[7] * g0 + m[8] * b0;
    const luma = wr * r + wg * g + wb * b;
    rgb[i] = clip(luma + s * (r - luma));
    rgb[i + 1] = clip(luma + s * (g - luma));
    rgb[i + 2] = clip(luma + s * (b - luma));
  }
}

function clip(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
