/**
 * Helpers of the image pipeline tests: the codecs compiled from node_modules, a naive reference
 * of the preprocessing, and hand-made JPEG EXIF segments.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  BT601_LUMA,
  CODEC_WASM_SPECIFIERS,
  createImageDecoder,
  type ImageDecoder,
  type InputSpec,
  type RgbaImage,
} from '../../../core/image/index.ts';

const require = createRequire(import.meta.url);

/** A compiled wasm module from node_modules. */
export function wasmModule(specifier: string): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(require.resolve(specifier)));
}

let decoder: Promise<ImageDecoder> | undefined;
/** The pipeline's decoder over the jSquash codecs, created once per test process. */
export function nodeDecoder(): Promise<ImageDecoder> {
  decoder ??= createImageDecoder({
    jpeg: wasmModule(CODEC_WASM_SPECIFIERS.jpeg),
    png: wasmModule(CODEC_WASM_SPECIFIERS.png),
    webp: wasmModule(CODEC_WASM_SPECIFIERS.webp),
  });
  return decoder;
}

/** Deterministic pseudo-random RGBA image (fixed seed). */
export function randomImage(width: number, height: number, seed: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height };
}

/** The image as displayed under EXIF orientation `o`, by explicit pixel moves. */
export function orientNaive(image: RgbaImage, o: number): RgbaImage {
  const { width: w, height: h, data } = image;
  const swap = o >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8ClampedArray(data.length);
  for (let sy = 0; sy < h; sy++) {
    for (let sx = 0; sx < w; sx++) {
      // where the stored pixel (sx, sy) is displayed
      const [dx, dy] = (
        {
          1: [sx, sy],
          2: [w - 1 - sx, sy],
          3: [w - 1 - sx, h - 1 - sy],
          4: [sx, h - 1 - sy],
          5: [sy, sx],
          6: [h - 1 - sy, sx],
          7: [h - 1 - sy, w - 1 - sx],
          8: [sy, w - 1 - sx],
        } as Record<number, number[]>
      )[o];
      for (let c = 0; c < 4; c++) out[(dy * ow + dx) * 4 + c] = data[(sy * w + sx) * 4 + c];
    }
  }
  return { data: out, width: ow, height: oh };
}

/**
 * Naive reference of preprocessing steps 2–5 for an upright image: every output pixel is the
 * exact area integral of the composited source over its footprint, computed pixel by pixel.
 */
export function preprocessNaive(image: RgbaImage, spec: InputSpec): Float32Array {
  const { width: w, height: h, data } = image;
  const { channels: C, height: H, width: W } = spec;
  const scale = Math.min(W / w, H / h);
  const fw = Math.min(W, Math.max(1, Math.round(w * scale)));
  const fh = Math.min(H, Math.max(1, Math.round(h * scale)));
  const left = Math.floor((W - fw) / 2);
  const top = Math.floor((H - fh) / 2);
  const level = (x: number, y: number, c: number) => {
    const p = (y * w + x) * 4;
    const a = data[p + 3] / 255;
    const rgb = [0, 1, 2].map((i) => data[p + i] * a + 255 * (1 - a));
    return C === 1 ? rgb.reduce((s, v, i) => s + v * BT601_LUMA[i], 0) : rgb[c];
  };
  const out = new Float32Array(C * H * W).fill(spec.invert ? 0 : 1);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < fh; y++) {
      for (let x = 0; x < fw; x++) {
        const [x0, x1] = [(x * w) / fw, ((x + 1) * w) / fw];
        const [y0, y1] = [(y * h) / fh, ((y + 1) * h) / fh];
        let sum = 0;
        for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
          const oy = Math.min(y1, sy + 1) - Math.max(y0, sy);
          for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
            const ox = Math.min(x1, sx + 1) - Math.max(x0, sx);
            sum += ox * oy * level(sx, sy, c);
          }
        }
        const unit = sum / ((x1 - x0) * (y1 - y0)) / 255;
        out[(c * H + top + y) * W + left + x] = spec.invert ? 1 - unit : unit;
      }
    }
  }
  return out;
}

/**
 * Inserts an EXIF APP1 segment holding only the orientation tag (0x0112) after the SOI marker
 * of a JPEG: a big-endian TIFF header and one IFD entry.
 */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x00,
    0x00,
    0x00,
    0x08, // "MM", 42, IFD at 8
    0x00,
    0x01, // one entry
    0x01,
    0x12,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00,
    0x01, // orientation, SHORT, count 1
    0x00,
    orientation,
    0x00,
    0x00, // value, padding
    0x00,
    0x00,
    0x00,
    0x00, // no next IFD
  ];
  const payload = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00, ...tiff]; // "Exif\0\0"
  const length = payload.length + 2;
  const segment = [0xff, 0xe1, length >> 8, length & 0xff, ...payload];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

/** Largest absolute difference of two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
