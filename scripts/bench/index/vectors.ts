/**
 * Vectors for the index benchmark: raw little-endian float32 embedding files (`npm run embed`
 * output, with FILE.json beside them), or, until those exist, a labelled stand-in: Fashion-MNIST
 * pixels under a seeded Gaussian random projection to d = 64, L2-normalised.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRng } from '../../../core/pq/random.ts';
import { loadImages, locateFashionMnist, type Split } from '../../../trainer/data/fashion-mnist.ts';

/** Row-major vectors: Float32Array, size count·d. */
export interface VectorSet {
  vectors: Float32Array;
  count: number;
  d: number;
  /** Where they came from, for the report. */
  source: string;
}

/** Default embedding files of `npm run embed` (docs/design.md). */
export const EMBEDDING_FILES = {
  base: 'artifacts/embeddings/train.f32',
  queries: 'artifacts/embeddings/test.f32',
};

/** Reads FILE (raw float32 [N, d]); d from FILE.json `{ count, d }` or from `d`. */
export function readVectorFile(path: string, d?: number): VectorSet {
  const meta = existsSync(`${path}.json`)
    ? (JSON.parse(readFileSync(`${path}.json`, 'utf8')) as {
        d: number;
        count?: number;
        modelSha256?: string;
      })
    : undefined;
  const dim = meta?.d ?? d;
  if (!dim) throw new Error(`${path}: no ${path}.json giving d; pass --d`);
  const bytes = readFileSync(path);
  if (bytes.length % (4 * dim) !== 0) {
    throw new Error(`${path}: ${bytes.length} bytes is not a whole number of rows of d=${dim}`);
  }
  const vectors = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
  );
  const count = vectors.length / dim;
  if (meta?.count !== undefined && meta.count !== count) {
    throw new Error(`${path}: ${count} rows, ${path}.json says ${meta.count}`);
  }
  const model = meta?.modelSha256 ? ` (encoder sha256 ${meta.modelSha256.slice(0, 12)}…)` : '';
  return { vectors, count, d: dim, source: `${path}${model}` };
}

/** Seeded Gaussian projection matrix, size inputs·d, row-major. */
function projection(inputs: number, d: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from(
    { length: inputs * d },
    () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()),
  );
}

/** The stand-in for one split: pixels·P, each row L2-normalised (P: 784×d, seed 1). */
export function standInVectors(split: Split, d = 64): VectorSet {
  const images = loadImages(locateFashionMnist(), split);
  const inputs = images.height * images.width * images.channels;
  const p = projection(inputs, d, 1);
  const out = new Float32Array(images.count * d);
  const row = new Float64Array(d);
  for (let i = 0; i < images.count; i++) {
    row.fill(0);
    for (let a = 0; a < inputs; a++) {
      const v = images.pixels[i * inputs + a];
      if (v === 0) continue;
      for (let t = 0; t < d; t++) row[t] += v * p[a * d + t];
    }
    const norm = Math.hypot(...row) || 1;
    for (let t = 0; t < d; t++) out[i * d + t] = row[t] / norm;
  }
  return { vectors: out, count: images.count, d, source: `stand-in (random projection, ${split})` };
}
