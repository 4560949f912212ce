/**
 * Partial, shrunk whitening of the embedding, fitted after training on the training images'
 * embeddings (no labels): the final step of `npm run train` when `whiten` α > 0.
 *
 * With μ the mean of the raw embeddings X `[n, d]`, C = (X − μ)ᵀ(X − μ) / n their
 * covariance and C = V·Λ·Vᵀ its eigen-decomposition, the transform is
 * T = V·(Λ + ε)^(−α/2)·Vᵀ (symmetric, d × d) with ε = β·mean(Λ), and the whitened
 * embedding is (f(x) − μ)·T. Centring removes the direction all embeddings share, which
 * otherwise adds the same amount to every cosine; α = 1 and β = 0 whiten fully (T·C·T = I),
 * and α < 1 or β > 0 shrink the few dominant directions, which otherwise decide most cosine
 * similarities, towards the others without blowing up the weakest, noisiest ones. The affine
 * map is folded into the encoder's last (linear) layer: kernel·T and (bias − μ)·T, so that the
 * exported encoder has the same layers and cost. The decoder was trained on the raw embedding
 * f(x) = ((f(x) − μ)·T)·T⁻¹ + μ; T⁻¹ and μ are kept for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** A fitted whitening: both transforms Float32Array, size d·d, row-major, symmetric. */
export interface Whitening {
  /** The exponent α in [0, 1]. */
  alpha: number;
  /** The shrinkage β ≥ 0: ε = β·mean(Λ) is added to every eigenvalue. */
  shrink: number;
  d: number;
  /** μ, the mean raw embedding, size d. */
  mean: Float32Array;
  /** T = V·(Λ + ε)^(−α/2)·Vᵀ. */
  transform: Float32Array;
  /** T⁻¹ = V·(Λ + ε)^(α/2)·Vᵀ. */
  inverse: Float32Array;
  /** Eigenvalues Λ of the covariance, largest first. */
  eigenvalues: Float64Array;
}

/** The default shrinkage β of `npm run train` (README, "The default encoder"). */
export const DEFAULT_WHITEN_SHRINK = 1;

/** Name of the encoder layer the transform is folded into (trainer/model.ts). */
export const EMBEDDING_LAYER = 'embedding';

const JACOBI_SWEEPS = 60;
/** Eigenvalues below this share of the largest are clamped to it, so that T stays finite. */
const EIGENVALUE_FLOOR = 1e-6;

/**
 * Eigen-decomposition of a symmetric matrix `a` (Float64Array d·d, row-major) by cyclic
 * Jacobi rotations. Returns eigenvalues, largest first, and eigenvectors as the columns of
 * `vectors` (Float64Array d·d, row-major), in the same order.
 */
export function symmetricEigen(
  a: Float64Array,
  d: number,
): { values: Float64Array; vectors: Float64Array } {
  const m = a.slice();
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < d; p++) {
      diag += m[p * d + p] ** 2;
      for (let q = p + 1; q < d; q++) off += m[p * d + q] ** 2;
    }
    if (off <= 1e-30 * diag) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) rotate(m, v, d, p, q);
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[j * d + j] - m[i * d + i]);
  const values = Float64Array.from(order, (i) => m[i * d + i]);
  const vectors = new Float64Array(d * d);
  order.forEach((from, to) => {
    for (let r = 0; r < d; r++) vectors[r * d + to] = v[r * d + from];
  });
  return { values, vectors };
}

/** One Jacobi rotation zeroing m[p][q] (m ← Jᵀ·m·J, v ← v·J). */
function rotate(m: Float64Array, v: Float64Array, d: number, p: number, q: number): void {
  const apq = m[p * d + q];
  if (apq === 0) return;
  const theta = (m[q * d + q] - m[p * d + p]) / (2 * apq);
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < d; k++) {
    const kp = m[k * d + p];
    const kq = m[k * d + q];
    m[k * d + p] = c * kp - s * kq;
    m[k * d + q] = s * kp + c * kq;
  }
  for (let k = 0; k < d; k++) {
    const pk = m[p * d + k];
    const qk = m[q * d + k];
    m[p * d + k] = c * pk - s * qk;
    m[q * d + k] = s * pk + c * qk;
  }
  for (let k = 0; k < d; k++) {
    const kp = v[k * d + p];
    const kq = v[k * d + q];
    v[k * d + p] = c * kp - s * kq;
    v[k * d + q] = s * kp + c * kq;
  }
}

/** V·diag(w)·Vᵀ as Float32Array d·d (V: Float64Array d·d, eigenvectors as columns). */
function spectral(vectors: Float64Array, w: Float64Array, d: number): Float32Array {
  const out = new Float32Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += vectors[i * d + k] * w[k] * vectors[j * d + k];
      out[i * d + j] = sum;
    }
  }
  return out;
}

/**
 * Fits the whitening of exponent `alpha` and shrinkage `shrink` to raw embeddings `x`
 * (Float32Array, size n·d, row-major). Throws unless alpha is in [0, 1], shrink is finite and
 * not negative, and there are at least d rows.
 */
export function fitWhitening(
  x: Float32Array,
  d: number,
  alpha: number,
  shrink = DEFAULT_WHITEN_SHRINK,
): Whitening {
  const n = x.length / d;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`whiten alpha=${alpha} must be in [0, 1]`);
  if (!(shrink >= 0 && Number.isFinite(shrink))) {
    throw new RangeError(`whiten shrink=${shrink} must be a number ≥ 0`);
  }
  if (!Number.isInteger(n) || n < d) {
    throw new RangeError(`whitening needs at least d=${d} embeddings, got ${x.length / d}`);
  }
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] += x[r * d + i] / n;
  const s = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) row[i] = x[r * d + i] - mean[i];
    for (let i = 0; i < d; i++) {
      const xi = row[i];
      for (let j = i; j < d; j++) s[i * d + j] += xi * row[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) s[j * d + i] = s[i * d + j] /= n;
  }
  const { values, vectors } = symmetricEigen(s, d);
  const floor = Math.max(values[0], 0) * EIGENVALUE_FLOOR || EIGENVALUE_FLOOR;
  const epsilon = (shrink * values.reduce((a, l) => a + Math.max(l, 0), 0)) / d;
  const shrunk = values.map((l) => Math.max(l, floor) + epsilon);
  return {
    alpha,
    shrink,
    d,
    mean: Float32Array.from(mean),
    transform: spectral(
      vectors,
      shrunk.map((l) => l ** (-alpha / 2)),
      d,
    ),
    inverse: spectral(
      vectors,
      shrunk.map((l) => l ** (alpha / 2)),
      d,
    ),
    eigenvalues: values,
  };
}

/** (row − μ)·T of each row of `x` (size n·d): what the folded encoder outputs. */
export function applyWhitening(x: Float32Array, w: Whitening): Float32Array {
  const { d, mean, transform } = w;
  const out = new Float32Array(x.length);
  const row = new Float64Array(d);
  for (let r = 0; r < x.length / d; r++) {
    for (let i = 0; i < d; i++) row[i] = x[r * d + i] - mean[i];
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let i = 0; i < d; i++) sum += row[i] * transform[i * d + j];
      out[r * d + j] = sum;
    }
  }
  return out;
}

/** −μ·T: the offset the folded encoder adds after its kernel·T. */
export function whiteningOffset(w: Whitening): Float32Array {
  return applyWhitening(new Float32Array(w.d), w);
}

/**
 * Folds the affine map y ↦ y·T + offset (`transform` Float32Array d·d, `offset` size d, zero
 * when absent) into the encoder's last layer, in place: its kernel `[k, d]` becomes kernel·T and
 * its bias `[d]` bias·T + offset, so the encoder then outputs f(x)·T + offset.
 */
export function foldIntoEncoder(
  encoder: tf.LayersModel,
  transform: Float32Array,
  offset?: Float32Array,
): void {
  const layer = encoder.getLayer(EMBEDDING_LAYER);
  const [kernel, bias] = layer.getWeights();
  const d = kernel.shape[1]!;
  if (transform.length !== d * d || (offset !== undefined && offset.length !== d)) {
    throw new Error(`whitening is ${Math.sqrt(transform.length)}-d, the embedding is ${d}-d`);
  }
  // Fresh tensors from the values: a product's output can share its data with a tensor of
  // another shape on the wasm backend, which a layer weight must not.
  const folded = tf.tidy(() => {
    const t = tf.tensor2d(transform, [d, d]);
    const k = kernel.matMul(t).dataSync() as Float32Array;
    const bt = bias.reshape([1, d]).matMul(t).dataSync() as Float32Array;
    const b = Float32Array.from(bt, (v, j) => v + (offset?.[j] ?? 0));
    return [tf.tensor2d(k, [kernel.shape[0]!, d]), tf.tensor1d(b)];
  });
  layer.setWeights(folded);
  folded.forEach((w) => w.dispose());
}

/** Images per forward pass when embedding for the fit. */
const EMBED_BATCH = 1000;

/**
 * Raw embeddings of `count` images (`pixels`: Float32Array NHWC, size count·h·w·c) by
 * `encoder`: Float32Array, size count·d, row-major.
 */
export function embedImages(
  encoder: tf.LayersModel,
  images: { pixels: Float32Array; count: number; height: number; width: number; channels: number },
): Float32Array {
  const { height: h, width: w, channels: c, count } = images;
  const size = h * w * c;
  const d = (encoder.outputs[0].shape as number[])[1];
  const out = new Float32Array(count * d);
  for (let at = 0; at < count; at += EMBED_BATCH) {
    const n = Math.min(EMBED_BATCH, count - at);
    const y = tf.tidy(() => {
      const x = tf.tensor4d(images.pixels.subarray(at * size, (at + n) * size), [n, h, w, c]);
      return encoder.predict(x) as tf.Tensor;
    });
    out.set(y.dataSync() as Float32Array, at * d);
    y.dispose();
  }
  return out;
}

/** `whitening.json` of a model directory: what was fitted, and T⁻¹ for the decoder. */
export const WHITENING_FORMAT = 'fashion-similarity/whitening@1';

/** `whitening.json`: records written before whitenings were centred have no shrink and mean. */
export interface WhiteningRecord {
  format: string;
  alpha: number;
  shrink?: number;
  d: number;
  images: number;
  note: string;
  eigenvalues: number[];
  mean?: number[];
  inverse: number[];
}

/** The JSON record of a fitted whitening (`images`: how many embeddings it was fitted on). */
export function whiteningRecord(w: Whitening, images: number): WhiteningRecord {
  return {
    format: WHITENING_FORMAT,
    alpha: w.alpha,
    shrink: w.shrink,
    d: w.d,
    images,
    note: 'the encoder outputs y = (f(x) − mean)·T; the decoder takes f(x) = y·inverse + mean',
    eigenvalues: Array.from(w.eigenvalues),
    mean: Array.from(w.mean),
    inverse: Array.from(w.inverse),
  };
}

/**
 * The whitening folded into the encoder of the training directory `dir`, as its manifest names
 * it (`named`: the manifest's `encoder.whitening`): a whitening.json the manifest does not name
 * belongs to an earlier encoder/. Undefined when none is folded in.
 */
export function readFoldedWhitening(
  dir: string,
  named: { file: string } | undefined,
): WhiteningRecord | undefined {
  if (named === undefined) return undefined;
  return JSON.parse(readFileSync(join(dir, named.file), 'utf8')) as WhiteningRecord;
}

/** The offset μ of a record's inverse y ↦ y·T⁻¹ + μ (undefined: an uncentred record). */
export function recordMean(r: WhiteningRecord): Float32Array | undefined {
  return r.mean === undefined ? undefined : Float32Array.from(r.mean);
}
