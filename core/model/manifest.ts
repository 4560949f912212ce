/**
 * The model manifest (`DIR/manifest.json` beside `encoder.int8.onnx`), written by
 * `npm run export` and read by the one loader (`core/model/loader.ts`) on the trainer and the
 * edge. It fixes the graph's input and output contract, the preprocessing that produces the
 * input from an image, the quantization, and each file's size and sha256.
 */
import { ModelError } from './errors.ts';

/** Name of the manifest's `format` field; changes only with an incompatible layout. */
export const MODEL_MANIFEST_FORMAT = 'fashion-similarity/model@1';

/** How an uploaded image becomes the model input (see docs/design.md, "Preprocessing"). */
export interface PreprocessSpec {
  /** keep the aspect ratio and pad into H × W */
  fit: 'contain';
  /** padding and alpha-composite colour */
  background: 'white';
  /** `x -> 1 - x` after scaling to [0, 1] (the default model was trained light-on-black) */
  invert: boolean;
  /** colour to one channel: ITU-R BT.601 luma (only used when C = 1) */
  gray: 'bt601';
}

/** One model file: its name inside the model directory, its size in bytes and its sha256. */
export interface ModelFileEntry {
  path: string;
  bytes: number;
  /** lowercase hex sha256 of the whole file */
  sha256: string;
}

/** Calibration of the uint8 activation ranges, with the accuracy of each method tried. */
export interface CalibrationRecord {
  /** the method chosen: the one with the best measured accuracy */
  method: 'minmax' | 'percentile' | 'entropy';
  /** number of training images the ranges were computed from */
  images: number;
  /** number of other training images the methods were compared on */
  validationImages: number;
  /**
   * per method, on the validation images: mean and minimum cosine of int8 to fp32 embeddings,
   * and recall@10 of the int8 neighbours against the fp32 neighbours among those images
   */
  candidates: Record<string, { meanCosine: number; minCosine: number; recallAt10?: number }>;
}

/** The model manifest. Shapes use `'N'` for the dynamic batch dimension. */
export interface ModelManifest {
  format: typeof MODEL_MANIFEST_FORMAT;
  /** ONNX default-domain opset of both files */
  opset: number;
  input: {
    name: string;
    dtype: 'float32';
    layout: 'NCHW';
    /** `['N', C, H, W]` */
    shape: ['N', number, number, number];
    /** closed value range of every element */
    range: [number, number];
  };
  output: {
    name: string;
    dtype: 'float32';
    /** `['N', d]` */
    shape: ['N', number];
    /** embeddings are L2-normalised inside the graph */
    normalized: 'l2';
  };
  /** embedding dimension */
  d: number;
  preprocess: PreprocessSpec;
  quantization: {
    scheme: 'qdq-static';
    weights: 'int8-symmetric-per-channel';
    activations: 'uint8-asymmetric-per-tensor';
    bias: 'int32';
    calibration: CalibrationRecord;
  };
  /** the files of the model directory; `fp32` may live elsewhere (it is not committed) */
  files: { int8: ModelFileEntry; fp32: ModelFileEntry };
  /** ISO-8601 time of the export */
  exportedAt: string;
  /** the training manifest's provenance (config, seed, data sha256, ...), as it was written */
  provenance: Record<string, unknown>;
}

/** Which of the two files of a model directory. */
export type ModelVariant = 'int8' | 'fp32';

function fail(field: string, rule: string, value: unknown): never {
  const shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
  throw new ModelError('manifest_invalid', `manifest.${field} is ${shown}; ${rule}`);
}

function positiveInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    fail(field, 'it must be a positive integer', v);
  }
  return v;
}

function nonEmptyString(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(field, 'it must be a non-empty string', v);
  return v;
}

function record(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    fail(field, 'it must be an object', v);
  }
  return v as Record<string, unknown>;
}

function checkFile(v: unknown, field: string): void {
  const f = record(v, field);
  nonEmptyString(f.path, `${field}.path`);
  positiveInt(f.bytes, `${field}.bytes`);
  if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) {
    fail(`${field}.sha256`, 'it must be 64 lowercase hex digits', f.sha256);
  }
}

function checkShape(v: unknown, field: string, rank: number): number[] {
  if (!Array.isArray(v) || v.length !== rank || v[0] !== 'N') {
    fail(field, `it must be ['N', ...] of rank ${rank}`, v);
  }
  return v.slice(1).map((x, i) => positiveInt(x, `${field}[${i + 1}]`));
}

/**
 * Checks a parsed manifest.json and returns it typed. Throws `ModelError('manifest_invalid')`
 * naming the first field that is missing or breaks its rule (for example `output.shape[1]`
 * differing from `d`).
 */
export function parseModelManifest(json: unknown): ModelManifest {
  const m = record(json, '(root)');
  if (m.format !== MODEL_MANIFEST_FORMAT)
    fail('format', `expected '${MODEL_MANIFEST_FORMAT}'`, m.format);
  const opset = positiveInt(m.opset, 'opset');
  if (opset < 13) fail('opset', 'it must be at least 13', opset);
  const input = record(m.input, 'input');
  nonEmptyString(input.name, 'input.name');
  if (input.dtype !== 'float32') fail('input.dtype', "expected 'float32'", input.dtype);
  if (input.layout !== 'NCHW') fail('input.layout', "expected 'NCHW'", input.layout);
  checkShape(input.shape, 'input.shape', 4);
  const range = input.range;
  if (!Array.isArray(range) || range.length !== 2 || !(range[0] < range[1])) {
    fail('input.range', 'it must be [low, high] with low < high', range);
  }
  const output = record(m.output, 'output');
  nonEmptyString(output.name, 'output.name');
  if (output.dtype !== 'float32') fail('output.dtype', "expected 'float32'", output.dtype);
  const [outD] = checkShape(output.shape, 'output.shape', 2);
  const d = positiveInt(m.d, 'd');
  if (outD !== d) fail('output.shape[1]', `it must equal d=${d}`, outD);
  const pre = record(m.preprocess, 'preprocess');
  if (typeof pre.invert !== 'boolean')
    fail('preprocess.invert', 'it must be a boolean', pre.invert);
  record(m.quantization, 'quantization');
  const files = record(m.files, 'files');
  checkFile(files.int8, 'files.int8');
  checkFile(files.fp32, 'files.fp32');
  record(m.provenance, 'provenance');
  return m as unknown as ModelManifest;
}

/** `[C, H, W]` of the manifest's input. */
export function inputChw(manifest: ModelManifest): [number, number, number] {
  const [, c, h, w] = manifest.input.shape;
  return [c, h, w];
}
