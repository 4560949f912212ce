/**
 * Reads an image's format and dimensions from its header, without decoding it, so that limits
 * are enforced before any pixel buffer is allocated (a decompression bomb is a few KB of
 * header declaring gigapixels).
 */
import { imageSize } from 'image-size';
import { ImageError } from './errors.ts';

/** Formats the pipeline decodes. */
export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** The media types of {@link ImageFormat}, as sent in Content-Type. */
export const IMAGE_MEDIA_TYPES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** Limits checked from the header, before decoding. */
export interface ImageLimits {
  /** Largest width × height accepted, in pixels. */
  maxPixels: number;
  /** Longest side accepted, in pixels. */
  maxSidePx: number;
}

/**
 * Default limits: 8 MP decoded as RGBA is 32 MB in the codec's heap plus a 32 MB copy, half of
 * a Worker isolate's 128 MB.
 */
export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = {
  maxPixels: 4096 * 2048,
  maxSidePx: 8192,
};

/** What the header says: format and size in pixels (before EXIF orientation). */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

const TYPE_TO_FORMAT: Readonly<Record<string, ImageFormat>> = {
  jpg: 'jpeg',
  png: 'png',
  webp: 'webp',
};

/**
 * Sniffs the format from the magic bytes and reads the declared size.
 *
 * @throws ImageError `unsupported_image_type` for a known format other than JPEG, PNG or WebP,
 *   `image_undecodable` for bytes with no readable header, `image_too_large` above `limits`.
 */
export function readImageHeader(bytes: Uint8Array, limits: ImageLimits): ImageHeader {
  if (bytes.length === 0) throw new ImageError('image_undecodable', 'the image is empty (0 bytes)');
  let size: { width?: number; height?: number; type?: string };
  try {
    size = imageSize(bytes);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/unsupported file type: undefined/.test(text)) {
      throw new ImageError('image_undecodable', 'the bytes are not a JPEG, PNG or WebP image');
    }
    throw new ImageError('image_undecodable', `the image header is unreadable: ${text}`);
  }
  const format = size.type === undefined ? undefined : TYPE_TO_FORMAT[size.type];
  if (format === undefined) {
    throw new ImageError(
      'unsupported_image_type',
      `the image is ${size.type ?? 'of an unknown type'}; send JPEG, PNG or WebP`,
    );
  }
  const width = size.width ?? 0;
  const height = size.height ?? 0;
  if (!(width > 0 && height > 0)) {
    throw new ImageError('image_undecodable', `the header declares ${width}×${height} px`);
  }
  checkLimits(width, height, limits);
  if (format === 'jpeg' && jpegComponents(bytes) === 4) {
    throw new ImageError(
      'unsupported_image_type',
      'the jpeg image is CMYK (4 colour components); send an RGB or greyscale JPEG',
    );
  }
  return { format, width, height };
}

/** The colour components of a JPEG's frame header; undefined when it has none. */
export function jpegComponents(bytes: Uint8Array): number | undefined {
  const at = jpegFrameOffset(bytes);
  return at === undefined ? undefined : bytes[at + 9];
}

/**
 * Where a JPEG's frame header (SOF0–SOF15 but DHT, JPG and DAC) starts, found by walking the
 * marker segments from SOI; undefined when none comes before the start of scan.
 */
export function jpegFrameOffset(bytes: Uint8Array): number | undefined {
  let at = 2; // after SOI
  while (at + 9 < bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xda) return undefined; // start of scan
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return at;
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  }
  return undefined;
}

function checkLimits(width: number, height: number, limits: ImageLimits): void {
  const side = Math.max(width, height);
  if (side > limits.maxSidePx) {
    throw new ImageError(
      'image_too_large',
      `image is ${width}×${height} px, the limit is ${limits.maxSidePx} px a side`,
    );
  }
  if (width * height > limits.maxPixels) {
    throw new ImageError(
      'image_too_large',
      `image is ${width}×${height} = ${width * height} px, the limit is ${limits.maxPixels} px`,
    );
  }
}
