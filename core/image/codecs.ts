/**
 * JPEG, PNG and WebP decoding with the jSquash wasm codecs (mozjpeg, the Rust png crate,
 * libwebp). The compiled wasm modules are injected: a Worker imports the `.wasm` files as
 * modules (workerd refuses to compile wasm from bytes at run time); Node reads them from
 * node_modules, for example
 *
 * ```ts
 * const load = (spec: string) =>
 *   new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve(spec)));
 * const decode = await createImageDecoder({
 *   jpeg: load(CODEC_WASM_SPECIFIERS.jpeg),
 *   png: load(CODEC_WASM_SPECIFIERS.png),
 *   webp: load(CODEC_WASM_SPECIFIERS.webp),
 * });
 * ```
 */
import mozjpegFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import { initEmscriptenModule } from '@jsquash/jpeg/utils.js';
import { decode as decodePngWasm, init as initPngCodec } from '@jsquash/png/decode.js';
import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import { ImageError } from './errors.ts';
import type { ImageFormat } from './format.ts';

/** Where each codec's wasm lives, as module specifiers to resolve from node_modules. */
export const CODEC_WASM_SPECIFIERS: Readonly<Record<ImageFormat, string>> = {
  jpeg: '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm',
  png: '@jsquash/png/codec/pkg/squoosh_png_bg.wasm',
  webp: '@jsquash/webp/codec/dec/webp_dec.wasm',
};

/** One compiled wasm module per format. */
export type CodecWasmModules = Readonly<Record<ImageFormat, WebAssembly.Module>>;

/** Decoded pixels: `data` is RGBA, 8 bits a channel, size `width * height * 4`, row-major. */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** Decodes bytes already sniffed as `format`; throws ImageError `image_undecodable`. */
export type ImageDecoder = (bytes: Uint8Array, format: ImageFormat) => Promise<RgbaImage>;

/** An instantiated Emscripten codec: a synchronous decode that returns null on failure. */
interface EmscriptenDecoder {
  decode(data: BufferSource, preserveOrientation?: boolean): RgbaImage | null;
}

type EmscriptenInit = (
  factory: unknown,
  module: WebAssembly.Module,
  overrides: { printErr(text: string): void },
) => Promise<EmscriptenDecoder>;

/**
 * libjpeg only warns about a truncated or corrupt stream ("Premature end of JPEG file") and
 * fills the rest with grey; such warnings, collected during one synchronous decode, refuse it.
 */
const JPEG_DAMAGE_WARNING = /premature end|corrupt jpeg data(?!: \d+ extraneous bytes)/i;

/**
 * Instantiates the three codecs from their compiled modules and returns the decoder. The PNG
 * codec keeps its instance in module scope, so call this once per process or isolate.
 */
export async function createImageDecoder(modules: CodecWasmModules): Promise<ImageDecoder> {
  const warnings: string[] = [];
  const collect = { printErr: (text: string) => void warnings.push(text) };
  const init = initEmscriptenModule as unknown as EmscriptenInit;
  const [jpeg, webp] = await Promise.all([
    init(mozjpegFactory, modules.jpeg, collect),
    init(webpFactory, modules.webp, collect),
    initPngCodec(modules.png),
  ]);
  return async (bytes, format) => {
    const buffer = bytes.slice().buffer;
    warnings.length = 0;
    let image: RgbaImage | null;
    try {
      if (format === 'jpeg') image = jpeg.decode(buffer, false);
      else if (format === 'webp') image = webp.decode(buffer);
      else image = await decodePngWasm(buffer);
    } catch {
      // The codecs' own messages ("unwrap_throw failed", "unreachable") help no caller.
      throw new ImageError('image_undecodable', `the ${format} image is corrupt or truncated`);
    }
    const damage = warnings.find((text) => JPEG_DAMAGE_WARNING.test(text));
    if (damage !== undefined) {
      throw new ImageError('image_undecodable', `the ${format} image is damaged: ${damage}`);
    }
    if (!image || image.width * image.height * 4 !== image.data.length) {
      throw new ImageError('image_undecodable', `the ${format} image cannot be decoded`);
    }
    return image;
  };
}
