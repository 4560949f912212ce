/**
 * The training objective: reconstruction of the clean image, plus an optional multi-view
 * invariance term that shapes the embedding for similarity search.
 *
 * With `invarianceWeight` w > 0, each image comes as two independently corrupted views (see
 * trainer/data/augment.ts) whose unit embeddings u₁, u₂ enter
 *
 *   loss = MSE(decoder(u₁), clean) + w · (alignment + uniformity)
 *
 * (Wang & Isola, 2020): alignment = mean ‖u₁ − u₂‖² pulls the views of one image together;
 * uniformity = log of the mean of exp(−t‖uᵢ − uⱼ‖²) over pairs i ≠ j of the 2g embeddings of a
 * group of g images spreads the images over the sphere, so that the embedding cannot collapse.
 * Groups are fixed runs of `groupSize` consecutive batch images, and the loss is a mean over
 * them, so that a batch split over threads (trainer/train-parallel.ts) gives the gradient of one
 * thread. With w = 0 the objective is the plain denoising reconstruction.
 */
import * as tf from '@tensorflow/tfjs';
import { type Autoencoder, l2Normalize } from './model.ts';

/** The kinds of invariance term. */
export const CONTRASTIVE_KINDS = ['uniformity', 'infonce'] as const;
export type ContrastiveKind = (typeof CONTRASTIVE_KINDS)[number];

/** Weights and shape of the loss terms. */
export interface ObjectiveConfig {
  /** Weight w of alignment + uniformity (0: reconstruction only, one view per image). */
  invarianceWeight: number;
  /** Temperature t of the uniformity term (Wang & Isola use 2). */
  uniformityT: number;
  /** Images per uniformity group; batch / workers must be a multiple of it. */
  groupSize: number;
  /**
   * The invariance term: 'uniformity' (alignment + uniformity, Wang & Isola) or 'infonce'
   * (the NT-Xent loss of SimCLR over each group's 2g views, temperature `temperature`).
   * Absent: 'uniformity'.
   */
  contrastive?: ContrastiveKind;
  /** Temperature τ of the InfoNCE term (SimCLR uses 0.1–0.5). Absent: 0.2. */
  temperature?: number;
}

/** Reconstruction only: the objective of the first trainer. */
export const RECONSTRUCTION_ONLY: ObjectiveConfig = {
  invarianceWeight: 0,
  uniformityT: 2,
  groupSize: 32,
};

/** True when the objective needs a second view of each image. */
export function needsSecondView(objective: ObjectiveConfig): boolean {
  return objective.invarianceWeight > 0;
}

/** Throws unless `groupSize` divides a batch part of `part` images (message names both). */
export function checkGroupSize(objective: ObjectiveConfig, part: number): void {
  const g = objective.groupSize;
  if (needsSecondView(objective) && (!Number.isInteger(g) || g < 2 || part % g !== 0)) {
    throw new Error(
      `uniformity group of ${g} images must be an integer ≥ 2 that divides the ${part} ` +
        'images each thread takes of a batch (batch / workers)',
    );
  }
}

/** Uniformity of unit embeddings `u` `[G·n, d]` in groups of n rows, as a scalar. */
function uniformity(u: tf.Tensor2D, n: number, t: number): tf.Scalar {
  const groups = u.shape[0] / n;
  const z = u.reshape([groups, n, u.shape[1]]) as tf.Tensor3D;
  // ‖uᵢ − uⱼ‖² = 2 − 2 uᵢ·uⱼ on the sphere; the diagonal contributes exp(0) = 1 per row.
  const kernel = tf
    .matMul(z, z, false, true)
    .mul(2 * t)
    .sub(2 * t)
    .exp();
  const offDiagonal = kernel
    .sum([1, 2])
    .sub(n)
    .div(n * (n - 1));
  return offDiagonal.maximum(1e-30).log().mean() as tf.Scalar;
}

/**
 * NT-Xent of unit embeddings in groups: `z` is `[G, 2g, d]`, rows 0..g-1 the first views and
 * g..2g-1 the second views of the same g images. For each row, the cross-entropy of picking its
 * other view among the 2g − 1 other rows, with cosine / τ as logits; the mean over all rows.
 */
function infoNce(z: tf.Tensor3D, tau: number): tf.Scalar {
  const [groups, n] = z.shape;
  const g = n / 2;
  const logits = tf.matMul(z, z, false, true).div(tau);
  // The diagonal (a row with itself) must never be picked: push it far below any cosine / τ.
  const self = tf.eye(n).reshape([1, n, n]).mul(1e4);
  const lse = tf.logSumExp(logits.sub(self), 2);
  const first = z.slice([0, 0, 0], [groups, g, -1]);
  const second = z.slice([0, g, 0], [groups, g, -1]);
  const positive = first.mul(second).sum(2).div(tau);
  return lse
    .sum()
    .sub(positive.sum().mul(2))
    .div(groups * n) as tf.Scalar;
}

/**
 * The loss of one batch part as a scalar (call inside a tape for gradients). `input` is the
 * first view `[B, H, W, C]`, `target` its clean image, `second` the second view (required when
 * the invariance weight is positive, ignored otherwise).
 */
export function objectiveLoss(
  model: Autoencoder,
  objective: ObjectiveConfig,
  input: tf.Tensor4D,
  target: tf.Tensor4D,
  second?: tf.Tensor4D,
): tf.Scalar {
  const h1 = model.encoder.apply(input, { training: true }) as tf.Tensor2D;
  const recon = model.decoder.apply(l2Normalize(h1), { training: true }) as tf.Tensor4D;
  const mse = tf.losses.meanSquaredError(target, recon) as tf.Scalar;
  if (!needsSecondView(objective)) return mse;
  if (second === undefined) throw new Error('the invariance term needs a second view');
  const h2 = model.encoder.apply(second, { training: true }) as tf.Tensor2D;
  // The invariance term acts on the projection head's output when there is one (SimCLR).
  const project = (h: tf.Tensor2D) =>
    l2Normalize(
      model.projector ? (model.projector.apply(h, { training: true }) as tf.Tensor2D) : h,
    );
  const u1 = project(h1);
  const u2 = project(h2);
  const g = objective.groupSize;
  const b = u1.shape[0];
  // Each group holds the two views of its g images: rows [views 1 of group, views 2 of group].
  const paired = tf.concat(
    [u1.reshape([b / g, g, -1]), u2.reshape([b / g, g, -1])],
    1,
  ) as tf.Tensor3D;
  if (objective.contrastive === 'infonce') {
    const nce = infoNce(paired, objective.temperature ?? 0.2);
    return mse.add(nce.mul(objective.invarianceWeight)) as tf.Scalar;
  }
  const alignment = u1.squaredDifference(u2).sum(1).mean();
  const unif = uniformity(paired.reshape([2 * b, -1]) as tf.Tensor2D, 2 * g, objective.uniformityT);
  return mse.add(alignment.add(unif).mul(objective.invarianceWeight)) as tf.Scalar;
}
