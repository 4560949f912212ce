import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../trainer/backend.ts';
import { mulberry32 } from '../../trainer/data/augment.ts';
import { buildAutoencoder, l2Normalize } from '../../trainer/model.ts';
import {
  checkGroupSize,
  objectiveLoss,
  type ObjectiveConfig,
  RECONSTRUCTION_ONLY,
} from '../../trainer/train-objective.ts';

const MODEL = { height: 7, width: 9, channels: 1, d: 5, filters: [4, 6], decoderHidden: 8 };
const OBJECTIVE: ObjectiveConfig = { invarianceWeight: 0.3, uniformityT: 2, groupSize: 3 };

function images(n: number, seed: number): tf.Tensor4D {
  const rng = mulberry32(seed);
  const size = MODEL.height * MODEL.width;
  return tf.tensor4d(Float32Array.from({ length: n * size }, rng), [n, 7, 9, 1]);
}

/** The objective computed naively, row by row in float64, from the unit embeddings. */
function naiveLoss(model: ReturnType<typeof buildAutoencoder>, x: tf.Tensor4D, x2: tf.Tensor4D) {
  const embed = (t: tf.Tensor4D) => l2Normalize(model.encoder.predict(t) as tf.Tensor2D);
  const u1 = embed(x).arraySync();
  const u2 = embed(x2).arraySync();
  const recon = model.decoder.predict(tf.tensor2d(u1)) as tf.Tensor4D;
  const mse = tf.losses.meanSquaredError(x, recon).dataSync()[0];
  const dist2 = (a: number[], b: number[]) => a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0);
  const align = u1.reduce((s, row, i) => s + dist2(row, u2[i]), 0) / u1.length;
  const g = OBJECTIVE.groupSize;
  let unif = 0;
  for (let start = 0; start < u1.length; start += g) {
    const pts = [...u1.slice(start, start + g), ...u2.slice(start, start + g)];
    let sum = 0;
    for (let i = 0; i < pts.length; i++) {
      for (let j = 0; j < pts.length; j++) if (i !== j) sum += Math.exp(-2 * dist2(pts[i], pts[j]));
    }
    unif += Math.log(sum / (pts.length * (pts.length - 1)));
  }
  unif /= u1.length / g;
  return mse + OBJECTIVE.invarianceWeight * (align + unif);
}

/** NT-Xent computed naively in float64 from the unit outputs of `project` (views 1 and 2). */
function naiveInfoNce(u1: number[][], u2: number[][], g: number, tau: number): number {
  const dot = (a: number[], b: number[]) => a.reduce((s, v, j) => s + v * b[j], 0);
  let sum = 0;
  for (let start = 0; start < u1.length; start += g) {
    const pts = [...u1.slice(start, start + g), ...u2.slice(start, start + g)];
    for (let i = 0; i < pts.length; i++) {
      const partner = i < g ? i + g : i - g;
      let denominator = 0;
      for (let j = 0; j < pts.length; j++)
        if (j !== i) denominator += Math.exp(dot(pts[i], pts[j]) / tau);
      sum += Math.log(denominator) - dot(pts[i], pts[partner]) / tau;
    }
  }
  return sum / (2 * u1.length);
}

describe('the training objective', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('matches a naive float64 reference of reconstruction + alignment + uniformity', () => {
    const model = buildAutoencoder(MODEL, 4);
    const [x, x2] = [images(6, 1), images(6, 2)];
    const loss = objectiveLoss(model, OBJECTIVE, x, x, x2).dataSync()[0];
    // float32 sums of a few dozen terms: agreement to ~1e-6 relative; 1e-4 absolute is ample.
    expect(loss).toBeCloseTo(naiveLoss(model, x, x2), 4);
  });

  it('matches a naive float64 NT-Xent through the projection head', () => {
    const model = buildAutoencoder({ ...MODEL, projectorHidden: 7 }, 4);
    const objective: ObjectiveConfig = { ...OBJECTIVE, contrastive: 'infonce', temperature: 0.3 };
    const [x, x2] = [images(6, 1), images(6, 2)];
    const h = (t: tf.Tensor4D) => model.encoder.predict(t) as tf.Tensor2D;
    const u = (t: tf.Tensor4D) => l2Normalize(model.projector!.predict(h(t)) as tf.Tensor2D);
    const recon = model.decoder.predict(l2Normalize(h(x))) as tf.Tensor4D;
    const mse = tf.losses.meanSquaredError(x, recon).dataSync()[0];
    const nce = naiveInfoNce(u(x).arraySync(), u(x2).arraySync(), 3, 0.3);
    const loss = objectiveLoss(model, objective, x, x, x2).dataSync()[0];
    // As above: float32 against float64 over a few dozen terms.
    expect(loss).toBeCloseTo(mse + OBJECTIVE.invarianceWeight * nce, 4);
  });

  it('is a mean over groups, so that batch halves average to the whole batch', () => {
    const model = buildAutoencoder(MODEL, 4);
    const [x, x2] = [images(6, 1), images(6, 2)];
    const whole = objectiveLoss(model, OBJECTIVE, x, x, x2).dataSync()[0];
    const half = (i: number) => {
      const [a, b] = [x.slice(i * 3, 3), x2.slice(i * 3, 3)];
      return objectiveLoss(model, OBJECTIVE, a, a, b).dataSync()[0];
    };
    expect((half(0) + half(1)) / 2).toBeCloseTo(whole, 5);
  });

  it('is the reconstruction error alone with weight 0, with or without a second view', () => {
    const model = buildAutoencoder(MODEL, 4);
    const x = images(4, 1);
    const recon = model.decoder.predict(l2Normalize(model.encoder.predict(x) as tf.Tensor2D));
    const mse = tf.losses.meanSquaredError(x, recon as tf.Tensor4D).dataSync()[0];
    expect(objectiveLoss(model, RECONSTRUCTION_ONLY, x, x).dataSync()[0]).toBeCloseTo(mse, 6);
  });

  it('rejects a group that does not divide the images of a thread', () => {
    expect(() => checkGroupSize(OBJECTIVE, 7)).toThrow(
      'uniformity group of 3 images must be an integer ≥ 2 that divides the 7 images',
    );
    expect(() => checkGroupSize(RECONSTRUCTION_ONLY, 7)).not.toThrow();
  });
});
