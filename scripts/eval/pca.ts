/**
 * Principal component analysis by orthogonal (subspace) iteration: the label-free linear
 * baseline that an autoencoder's embedding has to beat at the same `d`. With fewer images than
 * dimensions (n < D, e.g. 2,918 photos of 64·64·3 = 12,288 values), the iteration runs on the
 * n × n Gram matrix instead of the D × D covariance, and the components are recovered from its
 * eigenvectors (the "dual" or snapshot method): the same subspace, at a fraction of the memory.
 */
import * as tf from '@tensorflow/tfjs';

/** Power-iteration rounds; the subspace of 64 of 784 dimensions settles well before this. */
const PCA_ITERATIONS = 40;

/** A fitted PCA: `mean` (size D) and `components` (size D·d, column j is component j). */
export interface Pca {
  D: number;
  d: number;
  mean: Float32Array;
  components: Float32Array;
}

/** The top-`d` eigenvectors of the symmetric `m` (size s × s) as columns, s × d. Seeded. */
function topEigenvectors(m: tf.Tensor2D, d: number, seed: number): tf.Tensor2D {
  let q = tf.randomNormal([m.shape[0], d], 0, 1, 'float32', seed) as tf.Tensor2D;
  for (let i = 0; i < PCA_ITERATIONS; i++) {
    const next = tf.matMul(m, q);
    const [orth] = tf.linalg.qr(next);
    tf.dispose([q, next]);
    q = orth as tf.Tensor2D;
  }
  return q;
}

/**
 * Fits `d` principal components to `x` (Float32Array, size n·D, row-major). Seeded. Needs
 * d ≤ min(n, D).
 */
export function fitPca(x: Float32Array, D: number, d: number, seed = 1): Pca {
  const n = x.length / D;
  if (d > Math.min(n, D)) throw new Error(`PCA to d=${d} needs at least d images and dimensions`);
  return tf.tidy(() => {
    const data = tf.tensor2d(x, [n, D]);
    const mean = data.mean(0);
    const centred = data.sub(mean) as tf.Tensor2D;
    let components: tf.Tensor2D;
    if (n >= D) {
      const cov = tf.matMul(centred, centred, true, false).div(n) as tf.Tensor2D;
      components = topEigenvectors(cov, d, seed);
    } else {
      // Gram matrix G = Xc·Xcᵀ (n × n); if G·u = λ·u, then Xcᵀ·u is a covariance eigenvector
      // of norm √λ. Normalising each column gives orthonormal components.
      const gram = tf.matMul(centred, centred, false, true).div(n) as tf.Tensor2D;
      const u = topEigenvectors(gram, d, seed);
      const v = tf.matMul(centred, u, true, false);
      components = v.div(v.square().sum(0, true).sqrt().maximum(1e-12)) as tf.Tensor2D;
    }
    return {
      D,
      d,
      mean: mean.dataSync() as Float32Array,
      components: components.dataSync() as Float32Array,
    };
  });
}

/** Projects `x` (size n·D) onto the components: Float32Array, size n·d, row-major. */
export function projectPca(pca: Pca, x: Float32Array): Float32Array {
  return tf.tidy(() => {
    const n = x.length / pca.D;
    const centred = tf.tensor2d(x, [n, pca.D]).sub(tf.tensor1d(pca.mean));
    const basis = tf.tensor2d(pca.components, [pca.D, pca.d]);
    return tf.matMul(centred, basis).dataSync() as Float32Array;
  });
}
