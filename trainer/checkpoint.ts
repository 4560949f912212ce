/**
 * Files of a trained model and of its checkpoint.
 *
 * Models are written in the TensorFlow.js layers format (`model.json` + `weights.bin`), which
 * `tf.loadLayersModel` and the ONNX exporter read; `loadEncoder(dir)` loads `DIR/encoder`.
 * A checkpoint (`DIR/checkpoint/`) holds what `--resume` needs: `state.json` (epoch, history,
 * config) and `tensors.bin`, the model and Adam optimizer tensors as float32 little-endian, in
 * the order `state.json` lists them.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** Writes `model` in the TensorFlow.js layers format: `dir/model.json` and `dir/weights.bin`. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = tf.io.concatenateArrayBuffers(
        ([] as ArrayBuffer[]).concat(artifacts.weightData ?? []),
      );
      writeAtomically(join(dir, 'weights.bin'), new Uint8Array(weightData));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeAtomically(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Loads a model written by `saveLayersModel` from `dir` (holding model.json + weights.bin). */
export async function loadLayersModelFromDir(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) {
    throw new Error(`${jsonPath} not found: train a model first (npm run train -- --out DIR)`);
  }
  const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
  const buffers = manifest.flatMap((group) =>
    group.paths.map((p) => new Uint8Array(readFileSync(join(dir, p)))),
  );
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    weightData.set(b, at);
    at += b.length;
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: manifest.flatMap((group) => group.weights),
      weightData: weightData.buffer,
    }),
  );
}

/**
 * Loads the trained encoder of the model directory `modelDir` (the `--out DIR` of training):
 * a tf.LayersModel mapping images `[N, H, W, C]` (NHWC, float32 in [0, 1]) to unnormalised
 * embeddings `[N, d]`. Apply L2 normalisation before search.
 */
export async function loadEncoder(modelDir: string): Promise<tf.LayersModel> {
  return loadLayersModelFromDir(join(modelDir, 'encoder'));
}

/** A tensor with a name, as checkpoints store them. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** One tensor of a checkpoint: its name, shape, and offset into `tensors.bin` in floats. */
interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
}

/** A checkpoint as read back: the JSON state and the tensors by name. */
export interface Checkpoint<State> {
  state: State;
  tensors: Map<string, tf.Tensor>;
}

/**
 * Writes `state` (JSON) and `tensors` (float32) into `dir`, replacing any previous checkpoint
 * only once both files are complete.
 */
export function saveCheckpoint<State>(dir: string, state: State, tensors: NamedTensor[]) {
  mkdirSync(dir, { recursive: true });
  const entries: TensorEntry[] = [];
  let floats = 0;
  for (const { name, tensor } of tensors) {
    entries.push({ name, shape: tensor.shape, offset: floats });
    floats += tensor.size;
  }
  const data = new Float32Array(floats);
  tensors.forEach(({ tensor }, i) =>
    data.set(tensor.dataSync() as Float32Array, entries[i].offset),
  );
  writeAtomically(join(dir, 'tensors.bin'), new Uint8Array(data.buffer));
  writeAtomically(join(dir, 'state.json'), JSON.stringify({ state, tensors: entries }, null, 1));
}

/** Reads a checkpoint written by `saveCheckpoint`; throws naming the directory if absent. */
export function loadCheckpoint<State>(dir: string): Checkpoint<State> {
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) {
    throw new Error(
      `--resume: no checkpoint in ${dir} (state.json missing); drop --resume ` +
        'to start a new run',
    );
  }
  const { state, tensors } = JSON.parse(readFileSync(statePath, 'utf8')) as {
    state: State;
    tensors: TensorEntry[];
  };
  const bytes = readFileSync(join(dir, 'tensors.bin'));
  const data = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
  );
  const map = new Map<string, tf.Tensor>();
  for (const { name, shape, offset } of tensors) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (offset + size > data.length) {
      throw new Error(`${join(dir, 'tensors.bin')}: truncated at tensor ${name}`);
    }
    map.set(name, tf.tensor(data.subarray(offset, offset + size), shape));
  }
  return { state, tensors: map };
}

/** Writes a file under a temporary name, then renames it, so a crash never leaves half a file. */
export function writeAtomically(path: string, data: string | Uint8Array): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}
