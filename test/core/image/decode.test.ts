import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import encodeJpeg, { init as initJpegEncoder } from '@jsquash/jpeg/encode.js';
import encodePng, { init as initPngEncoder } from '@jsquash/png/encode.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_IMAGE_LIMITS,
  ImageError,
  jpegComponents,
  jpegFrameOffset,
  pixelsToInput,
  preprocessImage,
  readImageHeader,
  readOrientation,
  type InputSpec,
} from '../../../core/image/index.ts';
import {
  maxAbsDiff,
  nodeDecoder,
  orientNaive,
  randomImage,
  wasmModule,
  withExifOrientation,
} from './helpers.ts';

const SPEC: InputSpec = { channels: 1, height: 28, width: 28, invert: true };
const CLOTHING = join(import.meta.dirname, '../../../../shared/data/clothing-dataset-small/test');

let png: Uint8Array;
let jpeg: Uint8Array;

function codeOf(run: () => unknown): Promise<string> {
  return Promise.resolve()
    .then(run)
    .then(
      () => 'none',
      (e) => (e instanceof ImageError ? e.code : `not an ImageError: ${e}`),
    );
}

beforeAll(async () => {
  await initPngEncoder(wasmModule('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'));
  await initJpegEncoder(wasmModule('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'));
  const image = { ...randomImage(60, 40, 3), colorSpace: 'srgb' as const };
  png = new Uint8Array(await encodePng(image as ImageData));
  jpeg = new Uint8Array(await encodeJpeg(image as ImageData, { quality: 90 }));
});

describe('readImageHeader', () => {
  it('reads format and size from the header', () => {
    expect(readImageHeader(png, DEFAULT_IMAGE_LIMITS)).toEqual({
      format: 'png',
      width: 60,
      height: 40,
    });
    expect(readImageHeader(jpeg, DEFAULT_IMAGE_LIMITS).format).toBe('jpeg');
  });

  it('refuses too many pixels and too long a side, naming the size and the limit', async () => {
    const limits = { maxPixels: 2000, maxSidePx: 50 };
    expect(() => readImageHeader(png, limits)).toThrow('image is 60×40 px, the limit is 50 px');
    expect(await codeOf(() => readImageHeader(png, { maxPixels: 2000, maxSidePx: 100 }))).toBe(
      'image_too_large',
    );
  });

  it('refuses GIF as unsupported, and empty or unknown bytes as undecodable', async () => {
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00\x00\x00\x00;');
    expect(await codeOf(() => readImageHeader(gif, DEFAULT_IMAGE_LIMITS))).toBe(
      'unsupported_image_type',
    );
    expect(await codeOf(() => readImageHeader(new Uint8Array(0), DEFAULT_IMAGE_LIMITS))).toBe(
      'image_undecodable',
    );
    const text = new TextEncoder().encode('hello');
    expect(await codeOf(() => readImageHeader(text, DEFAULT_IMAGE_LIMITS))).toBe(
      'image_undecodable',
    );
  });
});

describe('jpegComponents', () => {
  it('reads 3 from an RGB JPEG, and a CMYK frame header is refused as unsupported', async () => {
    expect(jpegComponents(jpeg)).toBe(3);
    // The same file with its frame header saying 4 components, as a CMYK JPEG's does.
    const cmyk = jpeg.slice();
    cmyk[jpegFrameOffset(cmyk)! + 9] = 4;
    expect(jpegComponents(cmyk)).toBe(4);
    expect(() => readImageHeader(cmyk, DEFAULT_IMAGE_LIMITS)).toThrow(
      'the jpeg image is CMYK (4 colour components); send an RGB or greyscale JPEG',
    );
    expect(await codeOf(() => readImageHeader(cmyk, DEFAULT_IMAGE_LIMITS))).toBe(
      'unsupported_image_type',
    );
  });
});

describe('preprocessImage', () => {
  it('decodes a PNG losslessly: equal to preprocessing its pixels', async () => {
    const decode = await nodeDecoder();
    const { input } = await preprocessImage(png, SPEC, decode, DEFAULT_IMAGE_LIMITS);
    expect(maxAbsDiff(input, pixelsToInput(randomImage(60, 40, 3), 1, SPEC))).toBeLessThan(1e-6);
  });

  it('refuses truncated JPEG and PNG files', async () => {
    const decode = await nodeDecoder();
    for (const bytes of [jpeg.slice(0, jpeg.length - 100), png.slice(0, png.length - 20)]) {
      const code = await codeOf(() => preprocessImage(bytes, SPEC, decode, DEFAULT_IMAGE_LIMITS));
      expect(code).toBe('image_undecodable');
    }
  });

  it('reads the EXIF orientation and applies it', async () => {
    const decode = await nodeDecoder();
    const rotated = withExifOrientation(jpeg, 6);
    expect(await readOrientation(rotated, 'jpeg')).toBe(6);
    expect(await readOrientation(jpeg, 'jpeg')).toBe(1);
    const upright = await decode(jpeg, 'jpeg');
    const { input, orientation } = await preprocessImage(
      rotated,
      SPEC,
      decode,
      DEFAULT_IMAGE_LIMITS,
    );
    expect(orientation).toBe(6);
    expect(maxAbsDiff(input, pixelsToInput(orientNaive(upright, 6), 1, SPEC))).toBeLessThan(1e-5);
  });

  it.skipIf(!exists(CLOTHING))('decodes real photos of the clothing dataset', async () => {
    const decode = await nodeDecoder();
    for (const cls of readdirSync(CLOTHING).sort()) {
      const file = readdirSync(join(CLOTHING, cls)).sort()[0];
      const bytes = new Uint8Array(readFileSync(join(CLOTHING, cls, file)));
      const { input } = await preprocessImage(bytes, SPEC, decode, DEFAULT_IMAGE_LIMITS);
      expect(input).toHaveLength(784);
      expect(input.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });
});

function exists(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}
