/**
 * Image files as the trainer, the export, the catalog builder and the evaluation read them:
 * through the one preprocessing of `core/image` (header limits, EXIF orientation, the jSquash
 * codecs, alpha over white, contain-fit, area average), the code the edge runs on uploads, so
 * that an image gives the same model input wherever it is read.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  CODEC_WASM_SPECIFIERS,
  createImageDecoder,
  DEFAULT_IMAGE_LIMITS,
  pixelsToInput,
  readImageHeader,
  readOrientation,
  type ImageDecoder,
  type InputSpec,
} from '../../core/image/index.ts';

/** An image left out because it cannot be read: its path, manifest row and the reason. */
export interface SkippedImage {
  /** Path relative to the catalog folder, as the manifest names it. */
  path: string;
  /** Row of the manifest, 1-based. */
  row: number;
  reason: string;
}

/** The jSquash decoders with their wasm read from node_modules (once per process). */
export async function nodeImageDecoder(): Promise<ImageDecoder> {
  const require = createRequire(import.meta.url);
  const load = (spec: string) => new WebAssembly.Module(readFileSync(require.resolve(spec)));
  return createImageDecoder({
    jpeg: load(CODEC_WASM_SPECIFIERS.jpeg),
    png: load(CODEC_WASM_SPECIFIERS.png),
    webp: load(CODEC_WASM_SPECIFIERS.webp),
  });
}

/** What one file gives: its bytes' sha256 is left to the caller; one input per spec. */
export interface ImageFileInputs {
  /** The file's bytes. */
  bytes: Uint8Array;
  /** Per spec, Float32Array, size C·H·W (CHW), values in [0, 1]. */
  inputs: Float32Array[];
}

/**
 * Reads `file` and preprocesses it once per spec (one decode). Throws an Error whose message
 * is the reason, without the path: missing or unreadable file, unsupported type, too large,
 * corrupt or truncated.
 */
export async function readImageFile(
  file: string,
  decode: ImageDecoder,
  specs: readonly InputSpec[],
): Promise<ImageFileInputs> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? err})`;
    throw new Error(reason, { cause: err });
  }
  const header = readImageHeader(bytes, DEFAULT_IMAGE_LIMITS);
  const orientation = await readOrientation(bytes, header.format);
  const image = await decode(bytes, header.format);
  return { bytes, inputs: specs.map((spec) => pixelsToInput(image, orientation, spec)) };
}

/** The reason of a failed {@link readImageFile}, as text. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
