/**
 * Reads a TensorFlow.js layers model (`model.json` + its weight files) from a directory on disk
 * (`@tensorflow/tfjs` has no file system handler under Node without tfjs-node).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Loads the layers model whose `model.json` is at `path` (weights beside it). */
export async function loadLayersModelFile(path: string): Promise<tf.LayersModel> {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
  } catch (e) {
    throw new Error(`cannot read the TensorFlow.js model ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(
      `${path} is not a TensorFlow.js layers model (no modelTopology or weightsManifest)`,
    );
  }
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const chunks = json.weightsManifest.flatMap((g) =>
    g.paths.map((p) => readFileSync(join(dirname(path), p))),
  );
  const weightData = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    weightData.set(c, at);
    at += c.byteLength;
  }
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: weightData.buffer,
  });
  return tf.loadLayersModel(handler);
}
