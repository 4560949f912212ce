/**
 * Writes a model directory (docs/design.md, "Model directories"): `encoder.fp32.onnx`,
 * `encoder.int8.onnx` and the model manifest `manifest.json`, and reads one back.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { sha256Hex } from '../../core/model/loader.ts';
import {
  MODEL_MANIFEST_FORMAT,
  parseModelManifest,
  type ModelFileEntry,
  type ModelManifest,
  type ModelVariant,
  type PreprocessSpec,
} from '../../core/model/manifest.ts';
import { EXPORT_OPSET, INPUT_NAME, OUTPUT_NAME } from './emit.ts';
import type { ExportResult } from './export.ts';

/** File names inside a model directory. */
export const MODEL_FILES = {
  fp32: 'encoder.fp32.onnx',
  int8: 'encoder.int8.onnx',
  manifest: 'manifest.json',
} as const;

/** Preprocessing of the default Fashion-MNIST model: dark-on-light photos become light-on-dark. */
export const FASHION_MNIST_PREPROCESS: PreprocessSpec = {
  fit: 'contain',
  background: 'white',
  invert: true,
  gray: 'bt601',
};

async function entry(path: string, bytes: Uint8Array): Promise<ModelFileEntry> {
  return { path, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) };
}

/** The model manifest of an export. */
export async function buildManifest(
  result: ExportResult,
  options: {
    preprocess: PreprocessSpec;
    inputRange: [number, number];
    provenance: Record<string, unknown>;
  },
): Promise<ModelManifest> {
  const { plan } = result;
  return {
    format: MODEL_MANIFEST_FORMAT,
    opset: EXPORT_OPSET,
    input: {
      name: INPUT_NAME,
      dtype: 'float32',
      layout: 'NCHW',
      shape: ['N', plan.c, plan.h, plan.w],
      range: options.inputRange,
    },
    output: { name: OUTPUT_NAME, dtype: 'float32', shape: ['N', plan.d], normalized: 'l2' },
    d: plan.d,
    preprocess: options.preprocess,
    quantization: {
      scheme: 'qdq-static',
      weights: 'int8-symmetric-per-channel',
      activations: 'uint8-asymmetric-per-tensor',
      bias: 'int32',
      calibration: result.calibration,
    },
    files: {
      int8: await entry(MODEL_FILES.int8, result.int8),
      fp32: await entry(MODEL_FILES.fp32, result.fp32),
    },
    exportedAt: new Date().toISOString(),
    provenance: options.provenance,
  };
}

/**
 * JSON with 2-space indents and arrays of numbers and strings on one line, as the repository's
 * formatter (prettier) writes it, so that the committed manifest passes `npm run format:check`.
 */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2).replace(
    /\[\n\s*([^[\]{}]*?)\n\s*\]/g,
    (_, inner: string) => `[${inner.split(/,\n\s*/).join(', ')}]`,
  );
  return `${text}\n`;
}

/**
 * Writes `outDir/encoder.int8.onnx`, `outDir/manifest.json` and `encoder.fp32.onnx` into
 * `fp32Dir` (default `outDir`; the committed `models/default` keeps only the int8 file).
 */
export function writeModelDir(
  outDir: string,
  manifest: ModelManifest,
  result: ExportResult,
  fp32Dir = outDir,
): void {
  mkdirSync(outDir, { recursive: true });
  mkdirSync(fp32Dir, { recursive: true });
  writeFileSync(join(outDir, MODEL_FILES.int8), result.int8);
  writeFileSync(join(fp32Dir, MODEL_FILES.fp32), result.fp32);
  writeFileSync(join(outDir, MODEL_FILES.manifest), toJson(manifest));
}

/**
 * Reads a model directory's manifest (parsed, and as the JSON it holds) and the bytes of one
 * variant's file (the fp32 file from `fp32Dir` when given). A missing manifest or file is an
 * error that names it; a bad manifest throws `ModelError('manifest_invalid')`.
 */
export function readModelDir(
  dir: string,
  variant: ModelVariant,
  fp32Dir = dir,
): { manifest: ModelManifest; json: unknown; bytes: Uint8Array } {
  const text = readOrExplain(
    join(dir, MODEL_FILES.manifest),
    `${dir}: no ${MODEL_FILES.manifest} there; a model directory is what ` +
      '`npm run export -- --out DIR` writes (e.g. models/default)',
  ).toString('utf8');
  const json: unknown = JSON.parse(text);
  const manifest = parseModelManifest(json);
  const file = join(variant === 'fp32' ? fp32Dir : dir, manifest.files[variant].path);
  const bytes = readOrExplain(file, `${dir}: the manifest names ${file}, which is missing`);
  return { manifest, json, bytes: new Uint8Array(bytes) };
}

/** The bytes of `path`; a missing file is an Error with the `missing` message. */
function readOrExplain(path: string, missing: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(missing, { cause: err });
    throw err;
  }
}
