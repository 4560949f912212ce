/**
 * The image pipeline: header checks, injected wasm codecs, EXIF orientation and the one
 * preprocessing to model input. See docs/design.md "Preprocessing".
 */
export { CODEC_WASM_SPECIFIERS, createImageDecoder } from './codecs.ts';
export type { CodecWasmModules, ImageDecoder, RgbaImage } from './codecs.ts';
export { ImageError } from './errors.ts';
export type { ImageErrorCode } from './errors.ts';
export {
  DEFAULT_IMAGE_LIMITS,
  IMAGE_MEDIA_TYPES,
  jpegComponents,
  jpegFrameOffset,
  readImageHeader,
} from './format.ts';
export type { ImageFormat, ImageHeader, ImageLimits } from './format.ts';
export { readOrientation } from './orientation.ts';
export { pixelsToInput, preprocessImage } from './preprocess.ts';
export type { InputSpec, PreprocessedImage } from './preprocess.ts';
export { areaSpans, BT601_LUMA, WHITE_LEVEL } from './resample.ts';
export type { PlaneShape } from './resample.ts';
