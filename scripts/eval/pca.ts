/**
 * Principal component analysis by orthogonal (subspace) iteration on the covariance matrix: the
 * label-free linear baseline that an autoencoder's embedding has to beat at the same `d`.
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

/** Fits `d` principal components to `x` (Float32Array, size n·D, row-major). Seeded. */
export function fitPca(x: Float32Array, D: number, d: number, seed = 1): Pca {
  return tf.tidy(() => {
    const n = x.length / D;
    const data = tf.tensor2d(x, [n, D]);
    const mean = data.mean(0);
    const centred = data.sub(mean);
    const cov = tf.matMul(centred, centred, true, false).div(n) as tf.Tensor2D;
    let q = tf.randomNormal([D, d], 0, 1, 'float32', seed) as tf.Tensor2D;
    for (let i = 0; i < PCA_ITERATIONS; i++) {
      const next = tf.matMul(cov, q);
      const [orth] = tf.linalg.qr(next);
      tf.dispose([q, next]);
      q = orth as tf.Tensor2D;
    }
    return {
      D,
      d,
      mean: mean.dataSync() as Float32Array,
      components: q.dataSync() as Float32Array,
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
