/**
 * A small exported model (manifest + both files) for the loader tests: the small encoder of
 * test/trainer/export-fixtures.ts, calibrated on 64 Fashion-MNIST images (a test-only size).
 */
import * as tf from '@tensorflow/tfjs';

import type { ModelManifest } from '../../../core/model/manifest.ts';
import type { ModelRuntime } from '../../../core/model/runtime.ts';
import { exportEncoder } from '../../../trainer/export/export.ts';
import { buildManifest, FASHION_MNIST_PREPROCESS } from '../../../trainer/export/model-dir.ts';
import { fashionMnist, smallEncoder } from '../../trainer/export-fixtures.ts';

/** An exported small model: its manifest and the bytes of both files. */
export interface SmallModel {
  manifest: ModelManifest;
  int8: Uint8Array;
  fp32: Uint8Array;
}

/** Exports the small encoder (d = 16) through `runtime`. */
export async function exportSmallModel(runtime: ModelRuntime): Promise<SmallModel> {
  await tf.setBackend('cpu');
  const images = fashionMnist('train', 128);
  const result = await exportEncoder(smallEncoder(), {
    runtime,
    calibration: { images: images.subarray(0, 64 * 784), n: 64 },
    validation: { images: images.subarray(64 * 784), n: 64 },
    inputRange: [0, 1],
    methods: ['minmax'],
    allowSmallCalibration: true,
  });
  const manifest = await buildManifest(result, {
    preprocess: FASHION_MNIST_PREPROCESS,
    inputRange: [0, 1],
    provenance: { test: 'small encoder' },
  });
  return { manifest, int8: result.int8, fp32: result.fp32 };
}
