import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BackendInfo, initBackend } from '../../trainer/backend.ts';
import { loadEncoder } from '../../trainer/checkpoint.ts';
import { runTraining } from '../../trainer/train-run.ts';

/** The per-epoch line format, as a downstream parser would read it. */
const EPOCH_LINE = new RegExp(
  '^epoch=(\\d+)/(\\d+) train_loss=([\\d.]+) val_loss=([\\d.]+) images_per_s=(\\d+) ' +
    'elapsed_s=([\\d.]+)$',
);

describe('a training run as npm run train performs it', () => {
  let backend: BackendInfo;
  beforeAll(async () => {
    backend = await initBackend('wasm');
  });

  it('writes encoder, decoder, checkpoint and manifest, and resumes', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'model');
    const lines: string[] = [];
    const options = {
      epochs: 1,
      batch: 32,
      dim: 16,
      seed: 3,
      lr: 2e-3,
      out,
      limit: 160,
      resume: false,
    };
    await runTraining({ ...options, command: 'train A' }, backend, { line: (l) => lines.push(l) });
    for (const f of [
      'encoder/model.json',
      'encoder/weights.bin',
      'decoder/model.json',
      'checkpoint/state.json',
      'manifest.json',
    ]) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    expect(lines.filter((l) => EPOCH_LINE.test(l))).toHaveLength(1);
    await expect(runTraining(options, backend, { line: () => {} })).rejects.toThrow(/--resume/);

    await runTraining({ ...options, epochs: 2, resume: true, command: 'train B' }, backend, {
      line: (l) => lines.push(l),
    });
    const epochs = lines.filter((l) => EPOCH_LINE.test(l)).map((l) => l.match(EPOCH_LINE)![1]);
    expect(epochs).toEqual(['1', '2']);

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      complete: true,
      // The command that started the run and the one that resumed it.
      command: 'train A && train B',
      seed: 3,
      epochsCompleted: 2,
      backend: { name: 'wasm' },
      config: { batchSize: 32, model: { d: 16, height: 28, width: 28, channels: 1 } },
      // sha256 of train-images-idx3-ubyte.gz, from ../shared/data/README.md.
      data: {
        count: 160,
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      },
    });
    expect(manifest.losses.validation).toBe(manifest.history[1].valLoss);

    const encoder = await loadEncoder(out);
    const z = encoder.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    expect(z.shape).toEqual([2, 16]);
    expect(encoder.layers.map((l) => l.getClassName())).toEqual([
      'InputLayer',
      'Conv2D',
      'Conv2D',
      'Conv2D',
      'Flatten',
      'Dense',
    ]);
  });

  it('folds a whitening fitted on the training images into the saved encoder', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'model');
    const lines: string[] = [];
    const options = { epochs: 1, batch: 32, dim: 8, seed: 4, lr: 2e-3, out, limit: 160 };
    await runTraining({ ...options, resume: false, whiten: 0.5, whitenShrink: 0.2 }, backend, {
      line: (l) => lines.push(l),
    });
    const fitted = 'whitening: alpha=0.5 shrink=0.2 fitted on 160 images';
    expect(lines.some((l) => l.startsWith(fitted))).toBe(true);
    const record = JSON.parse(readFileSync(join(out, 'whitening.json'), 'utf8'));
    expect(record).toMatchObject({ alpha: 0.5, shrink: 0.2, d: 8, images: 160 });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.encoder.whitening).toEqual({
      alpha: 0.5,
      shrink: 0.2,
      images: 160,
      file: 'whitening.json',
    });

    // The same run without whitening gives the raw encoder f; the saved one must be f·T, and
    // the recorded inverse must take it back to f.
    const rawOut = join(mkdtempSync(join(tmpdir(), 'run-')), 'model');
    await runTraining({ ...options, out: rawOut, resume: false, whiten: 0 }, backend, {
      line: () => {},
    });
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 9);
    const white = (await loadEncoder(out)).predict(x) as tf.Tensor2D;
    const raw = (await loadEncoder(rawOut)).predict(x) as tf.Tensor2D;
    const back = white.matMul(tf.tensor2d(record.inverse, [8, 8])).add(tf.tensor1d(record.mean));
    expect(back.sub(raw).abs().max().dataSync()[0]).toBeLessThan(1e-4);
    expect(white.sub(raw).abs().max().dataSync()[0]).toBeGreaterThan(1e-3);

    // Resumed when finished, the run refits its whitening without training, and with
    // --whiten 0 goes back to the raw encoder.
    const refit: string[] = [];
    await runTraining({ ...options, resume: true, whiten: 1, whitenShrink: 0 }, backend, {
      line: (l) => refit.push(l),
    });
    expect(refit.some((l) => l.startsWith('epoch='))).toBe(false);
    expect(refit.some((l) => l.startsWith('whitening: alpha=1 shrink=0 fitted'))).toBe(true);
    const white1 = (await loadEncoder(out)).predict(x) as tf.Tensor2D;
    expect(white1.sub(white).abs().max().dataSync()[0]).toBeGreaterThan(1e-3);
    await runTraining({ ...options, resume: true, whiten: 0 }, backend, { line: () => {} });
    expect(existsSync(join(out, 'whitening.json'))).toBe(false);
    const unwhite = (await loadEncoder(out)).predict(x) as tf.Tensor2D;
    expect(unwhite.sub(raw).abs().max().dataSync()[0]).toBeLessThan(1e-5);
  });

  it('refuses a whitening with fewer training images than d before training', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'model');
    const options = { epochs: 1, batch: 8, dim: 64, seed: 4, lr: 2e-3, out, limit: 40 };
    await expect(
      runTraining({ ...options, resume: false, whiten: 1 }, backend, { line: () => {} }),
    ).rejects.toThrow(
      '--whiten 1: the whitening needs at least d=64 training images, there are 40; ' +
        'pass --whiten 0 or more images',
    );
    expect(existsSync(join(out, 'checkpoint'))).toBe(false);
  });
});
