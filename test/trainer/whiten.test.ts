import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../trainer/backend.ts';
import { mulberry32 } from '../../trainer/data/augment.ts';
import { buildAutoencoder } from '../../trainer/model.ts';
import {
  applyWhitening,
  fitWhitening,
  foldIntoEncoder,
  symmetricEigen,
  whiteningOffset,
} from '../../trainer/whiten.ts';

/** n rows of d correlated values: x = z·A for standard-ish z and a fixed random A. */
function correlated(n: number, d: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const a = Array.from({ length: d * d }, () => rng() * 2 - 1);
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const z = Array.from({ length: d }, () => rng() * 2 - 1);
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += z[k] * a[k * d + j];
      out[r * d + j] = sum;
    }
  }
  return out;
}

/** Naive reference: a·b of row-major square matrices of side d. */
function matmul(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < d; k++) out[i * d + j] += a[i * d + k] * b[k * d + j];
    }
  }
  return out;
}

function secondMoment(x: Float32Array, d: number): Float64Array {
  const n = x.length / d;
  const s = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) s[i * d + j] += (x[r * d + i] * x[r * d + j]) / n;
    }
  }
  return s;
}

/** Mean of the rows and covariance, the naive way. */
function covariance(x: Float32Array, d: number): { mean: Float64Array; cov: Float64Array } {
  const n = x.length / d;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] += x[r * d + i] / n;
  const centred = Float32Array.from(x, (v, k) => v - mean[k % d]);
  return { mean, cov: secondMoment(centred, d) };
}

/** Rows of `x` shifted by `offset` (size d). */
function shifted(x: Float32Array, d: number, offset: number): Float32Array {
  return Float32Array.from(x, (v, k) => v + offset * ((k % d) + 1));
}

function expectIdentity(m: ArrayLike<number>, d: number, tolerance: number): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      expect(Math.abs(m[i * d + j] - (i === j ? 1 : 0))).toBeLessThan(tolerance);
    }
  }
}

describe('symmetricEigen', () => {
  it('decomposes a symmetric matrix of odd size: A·v = λ·v, orthonormal, largest first', () => {
    const d = 7;
    const s = secondMoment(correlated(50, d, 3), d);
    const { values, vectors } = symmetricEigen(s, d);
    for (let j = 0; j < d; j++) {
      if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let k = 0; k < d; k++) av += s[i * d + k] * vectors[k * d + j];
        expect(Math.abs(av - values[j] * vectors[i * d + j])).toBeLessThan(1e-9);
      }
    }
    const vt = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) vt[i * d + j] = vectors[j * d + i];
    expectIdentity(matmul(vt, vectors, d), d, 1e-9);
  });
});

describe('fitWhitening', () => {
  const d = 6;
  // Rows far from the origin: centring must remove the shared offset.
  const x = shifted(correlated(400, d, 7), d, 3);
  const { mean, cov } = covariance(x, d);

  it('centres and whitens at alpha = 1, shrink = 0 (T·C·T = I), and keeps the inverse', () => {
    const w = fitWhitening(x, d, 1, 0);
    w.mean.forEach((m, i) => expect(m).toBeCloseTo(mean[i], 4));
    // float32 transforms of a matrix with condition number ~1e2: 1e-4 is ample.
    expectIdentity(matmul(matmul(w.transform, cov, d), w.transform, d), d, 1e-4);
    expectIdentity(matmul(w.transform, w.inverse, d), d, 1e-4);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        expect(w.transform[i * d + j]).toBeCloseTo(w.transform[j * d + i], 5);
      }
    }
    // The whitened rows have mean 0 and covariance I.
    const y = applyWhitening(x, w);
    const moments = covariance(y, d);
    moments.mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-4));
    expectIdentity(moments.cov, d, 1e-3);
  });

  it('is a pure centring at alpha = 0, and halves the spread of the spectrum at 0.5', () => {
    expectIdentity(fitWhitening(x, d, 0, 0).transform, d, 1e-5);
    const half = fitWhitening(x, d, 0.5, 0);
    // T·C·T has the eigenvalues λ^(1 − α): at α = 0.5, their square roots.
    const { values } = symmetricEigen(matmul(matmul(half.transform, cov, d), half.transform, d), d);
    values.forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt(half.eigenvalues[i]), 3));
  });

  it('adds shrink × the mean eigenvalue before the power', () => {
    const w = fitWhitening(x, d, 1, 2);
    const epsilon = (2 * w.eigenvalues.reduce((a, l) => a + l, 0)) / d;
    // T·C·T has the eigenvalues λ / (λ + ε): below 1, the weakest directions the most.
    const { values } = symmetricEigen(matmul(matmul(w.transform, cov, d), w.transform, d), d);
    values.forEach((v, i) => {
      const l = w.eigenvalues[i];
      expect(v).toBeCloseTo(l / (l + epsilon), 4);
    });
  });

  it('names the value and the rule of a bad alpha, shrink or too few rows', () => {
    expect(() => fitWhitening(x, d, 1.5)).toThrow('whiten alpha=1.5 must be in [0, 1]');
    expect(() => fitWhitening(x, d, 1, -1)).toThrow('whiten shrink=-1 must be a number ≥ 0');
    expect(() => fitWhitening(x.subarray(0, 3 * d), d, 0.5)).toThrow(
      'whitening needs at least d=6 embeddings, got 3',
    );
  });
});

describe('foldIntoEncoder', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('makes the encoder output (raw embedding − μ)·T', () => {
    const config = { height: 9, width: 7, channels: 1, d: 5, filters: [4, 6], decoderHidden: 8 };
    const { encoder } = buildAutoencoder(config, 11);
    const rng = mulberry32(5);
    const images = tf.tensor4d(
      Float32Array.from({ length: 3 * 63 }, () => rng()),
      [3, 9, 7, 1],
    );
    const raw = encoder.predict(images) as tf.Tensor2D;
    const w = fitWhitening(shifted(correlated(50, 5, 9), 5, 2), 5, 0.7);
    const expected = applyWhitening(raw.dataSync() as Float32Array, w);
    foldIntoEncoder(encoder, w.transform, whiteningOffset(w));
    const folded = (encoder.predict(images) as tf.Tensor2D).dataSync();
    folded.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5));
  });
});
