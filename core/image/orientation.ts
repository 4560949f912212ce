/**
 * EXIF orientation (tag 0x0112, values 1–8) read with exifr. A missing, unreadable or out-of-range
 * tag means 1 (as stored): metadata never makes an image fail.
 */
import { orientation as readExifOrientation } from 'exifr/dist/full.esm.mjs';
import type { ImageFormat } from './format.ts';

/** The orientation that leaves pixels as stored. */
export const ORIENTATION_AS_STORED = 1;

/** Reads the EXIF orientation of a JPEG or PNG; WebP and images without EXIF give 1. */
export async function readOrientation(bytes: Uint8Array, format: ImageFormat): Promise<number> {
  if (format === 'webp') return ORIENTATION_AS_STORED;
  try {
    const value = await readExifOrientation(bytes);
    return typeof value === 'number' && value >= 1 && value <= 8 ? value : ORIENTATION_AS_STORED;
  } catch {
    return ORIENTATION_AS_STORED;
  }
}
