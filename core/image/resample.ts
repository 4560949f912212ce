/**
 * Contain-fit area-average resampling of decoded RGBA pixels to the model's `C × H × W` plane,
 * with alpha composited over white, BT.601 luma for `C = 1`, and the EXIF orientation applied.
 *
 * The source is read one row at a time, so memory beyond the decoded pixels is O(width + H·W):
 * a 4000×3000 photo needs no second full-size buffer.
 */
import type { RgbaImage } from './codecs.ts';

/** White, the padding and the background under transparent pixels, in 8-bit units. */
export const WHITE_LEVEL = 255;

/** ITU-R BT.601 luma weights of R, G and B. */
export const BT601_LUMA = [0.299, 0.587, 0.114] as const;

/** Target plane: `channels` is 1 (luma) or 3 (RGB); `height` and `width` in pixels. */
export interface PlaneShape {
  channels: 1 | 3;
  height: number;
  width: number;
}

/** One output sample's source span on one axis: source indices `start + t`, weights `w[t]`. */
interface Span {
  start: number;
  weights: Float64Array;
}

/**
 * Area-average spans mapping `sizeIn` source pixels onto `sizeOut` outputs. Interval ends are
 * computed in integers (units of 1/(sizeIn·sizeOut)), so a 1:1 scale gives weights of exactly 1.
 */
export function areaSpans(sizeIn: number, sizeOut: number): Span[] {
  const spans: Span[] = [];
  for (let i = 0; i < sizeOut; i++) {
    const lo = i * sizeIn; // output interval in units where one source pixel is sizeOut long
    const hi = lo + sizeIn;
    const start = Math.floor(lo / sizeOut);
    const end = Math.ceil(hi / sizeOut);
    const weights = new Float64Array(end - start);
    for (let j = start; j < end; j++) {
      const overlap = Math.min(hi, (j + 1) * sizeOut) - Math.max(lo, j * sizeOut);
      weights[j - start] = overlap / sizeIn;
    }
    spans.push({ start, weights });
  }
  return spans;
}

/** Whether an EXIF orientation (1–8) swaps width and height. */
export function swapsAxes(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/**
 * Resamples `image` (stored orientation) to `fitW × fitH` in the displayed orientation.
 * Returns planar Float64Array, size `channels · fitH · fitW`, values in [0, 255].
 */
export function resampleOriented(
  image: RgbaImage,
  orientation: number,
  channels: 1 | 3,
  fitW: number,
  fitH: number,
): Float64Array {
  const swap = swapsAxes(orientation);
  const storedW = swap ? fitH : fitW;
  const storedH = swap ? fitW : fitH;
  const stored = resampleStored(image, channels, storedW, storedH);
  if (orientation <= 1 || orientation > 8) return stored;
  const out = new Float64Array(stored.length);
  for (let c = 0; c < channels; c++) {
    const src = c * storedW * storedH;
    const dst = c * fitW * fitH;
    for (let y = 0; y < fitH; y++) {
      for (let x = 0; x < fitW; x++) {
        const [sx, sy] = storedCoordinate(orientation, x, y, storedW, storedH);
        out[dst + y * fitW + x] = stored[src + sy * storedW + sx];
      }
    }
  }
  return out;
}

/** Maps a displayed pixel (x, y) to the stored pixel, per the EXIF orientation tag. */
function storedCoordinate(o: number, x: number, y: number, w: number, h: number): number[] {
  switch (o) {
    case 2:
      return [w - 1 - x, y];
    case 3:
      return [w - 1 - x, h - 1 - y];
    case 4:
      return [x, h - 1 - y];
    case 5:
      return [y, x];
    case 6:
      return [y, h - 1 - x];
    case 7:
      return [w - 1 - y, h - 1 - x];
    case 8:
      return [w - 1 - y, x];
    default:
      return [x, y];
  }
}

/** Area-average to `outW × outH` in the stored orientation; planar, values in [0, 255]. */
function resampleStored(
  image: RgbaImage,
  channels: 1 | 3,
  outW: number,
  outH: number,
): Float64Array {
  const { data, width, height } = image;
  const xSpans = areaSpans(width, outW);
  const rowsOf = spansBySource(areaSpans(height, outH), height);
  const out = new Float64Array(channels * outW * outH);
  const row = new Float64Array(channels * width);
  const rowOut = new Float64Array(channels * outW);
  for (let y = 0; y < height; y++) {
    compositeRow(data, y * width * 4, width, channels, row);
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < outW; i++) {
        const { start, weights } = xSpans[i];
        let sum = 0;
        for (let t = 0; t < weights.length; t++) sum += weights[t] * row[c * width + start + t];
        rowOut[c * outW + i] = sum;
      }
    }
    for (const [r, weight] of rowsOf[y]) {
      for (let c = 0; c < channels; c++) {
        const base = (c * outH + r) * outW;
        for (let i = 0; i < outW; i++) out[base + i] += weight * rowOut[c * outW + i];
      }
    }
  }
  return out;
}

/** For each source index, the (output index, weight) pairs it contributes to. */
function spansBySource(spans: Span[], sizeIn: number): Array<Array<[number, number]>> {
  const bySource: Array<Array<[number, number]>> = Array.from({ length: sizeIn }, () => []);
  spans.forEach(({ start, weights }, r) => {
    weights.forEach((w, t) => {
      if (w > 0) bySource[start + t].push([r, w]);
    });
  });
  return bySource;
}

/** One row of RGBA composited over white, to luma or planar RGB (`row`, size channels·width). */
function compositeRow(
  data: Uint8Array | Uint8ClampedArray,
  offset: number,
  width: number,
  channels: 1 | 3,
  row: Float64Array,
): void {
  const [wr, wg, wb] = BT601_LUMA;
  for (let x = 0, p = offset; x < width; x++, p += 4) {
    const alpha = data[p + 3] / 255;
    const under = WHITE_LEVEL * (1 - alpha);
    const r = data[p] * alpha + under;
    const g = data[p + 1] * alpha + under;
    const b = data[p + 2] * alpha + under;
    if (channels === 1) {
      row[x] = wr * r + wg * g + wb * b;
    } else {
      row[x] = r;
      row[width + x] = g;
      row[2 * width + x] = b;
    }
  }
}
