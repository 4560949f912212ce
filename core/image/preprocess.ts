/**
 * The one preprocessing of images into model input, shared by the trainer (image folders) and
 * the edge (uploads), per docs/design.md "Preprocessing":
 *
 * 1. decode (JPEG, PNG, WebP), apply the EXIF orientation;
 * 2. composite alpha over white;
 * 3. to `C` channels (`C = 1`: ITU-R BT.601 luma);
 * 4. fit into `H × W` keeping the aspect ratio ("contain"), padded with white, area average;
 * 5. to float32 in [0, 1]; if `invert`, `x -> 1 - x`.
 *
 * Limits are checked from the header before decoding.
 */
import type { ImageDecoder, RgbaImage } from './codecs.ts';
import { readImageHeader, type ImageFormat, type ImageLimits } from './format.ts';
import { readOrientation } from './orientation.ts';
import { resampleOriented, swapsAxes, WHITE_LEVEL, type PlaneShape } from './resample.ts';

/**
 * The model input an image becomes: `channels` (C), `height` (H), `width` (W) from the model
 * manifest's `input.shape`, and `invert` from its `preprocess` block.
 */
export interface InputSpec extends PlaneShape {
  /** `x -> 1 - x` after scaling to [0, 1] (a light-on-dark model fed dark-on-light photos). */
  invert: boolean;
}

/** Model input of one image: Float32Array, size `C · H · W` (CHW), values in [0, 1]. */
export interface PreprocessedImage {
  input: Float32Array;
  format: ImageFormat;
  /** Decoded size before orientation, in pixels. */
  width: number;
  height: number;
  orientation: number;
}

/**
 * Decodes `bytes` and converts them to the model input.
 *
 * @throws ImageError for unsupported, oversized (from the header) or undecodable images
 */
export async function preprocessImage(
  bytes: Uint8Array,
  spec: InputSpec,
  decode: ImageDecoder,
  limits: ImageLimits,
): Promise<PreprocessedImage> {
  const header = readImageHeader(bytes, limits);
  const orientation = await readOrientation(bytes, header.format);
  const image = await decode(bytes, header.format);
  const input = pixelsToInput(image, orientation, spec);
  return { input, format: header.format, width: image.width, height: image.height, orientation };
}

/**
 * Steps 2–5 on decoded pixels: returns Float32Array, size `C · H · W`, values in [0, 1].
 * `orientation` is the EXIF tag (1–8) of the stored pixels.
 */
export function pixelsToInput(
  image: RgbaImage,
  orientation: number,
  spec: InputSpec,
): Float32Array {
  const { channels, height: outH, width: outW } = spec;
  const swap = swapsAxes(orientation);
  const shownW = swap ? image.height : image.width;
  const shownH = swap ? image.width : image.height;
  const scale = Math.min(outW / shownW, outH / shownH);
  const fitW = Math.min(outW, Math.max(1, Math.round(shownW * scale)));
  const fitH = Math.min(outH, Math.max(1, Math.round(shownH * scale)));
  const fitted = resampleOriented(image, orientation, channels, fitW, fitH);

  const left = Math.floor((outW - fitW) / 2);
  const top = Math.floor((outH - fitH) / 2);
  const input = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        const fx = x - left;
        const fy = y - top;
        const inside = fx >= 0 && fx < fitW && fy >= 0 && fy < fitH;
        const level = inside ? fitted[(c * fitH + fy) * fitW + fx] : WHITE_LEVEL;
        const unit = Math.min(1, Math.max(0, level / 255));
        input[(c * outH + y) * outW + x] = spec.invert ? 1 - unit : unit;
      }
    }
  }
  return input;
}
