import { beforeAll, describe, expect, it } from 'vitest';

import { isModelError, type ModelErrorCode } from '../../../core/model/errors.ts';
import { loadModel, sha256Hex } from '../../../core/model/loader.ts';
import { parseModelManifest, type ModelManifest } from '../../../core/model/manifest.ts';
import { initNodeRuntime } from '../../../trainer/export/ort-node.ts';
import { fashionMnist } from '../../trainer/export-fixtures.ts';
import { exportSmallModel, type SmallModel } from './fixture.ts';

const runtime = initNodeRuntime();
let model: SmallModel;

beforeAll(async () => {
  model = await exportSmallModel(runtime);
});

/** A deep copy of the manifest with `edit` applied. */
function edited(edit: (m: ModelManifest) => void): ModelManifest {
  const m = structuredClone(model.manifest);
  edit(m);
  return m;
}

async function expectCode(p: Promise<unknown>, code: ModelErrorCode, message: RegExp) {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isModelError(error, code), `expected ModelError ${code}, got ${String(error)}`).toBe(true);
  expect((error as Error).message).toMatch(message);
}

describe('loadModel', () => {
  it('loads both files and embeds NCHW images into L2-normalised rows of d', async () => {
    for (const variant of ['int8', 'fp32'] as const) {
      const encoder = await loadModel(runtime, model.manifest, model[variant], variant);
      const n = 300; // more than MAX_BATCH_IMAGES, so two runs
      const out = await encoder.embed(fashionMnist('test', n), n);
      expect(out).toHaveLength(n * 16);
      for (let i = 0; i < n; i += 37) {
        const norm = Math.hypot(...out.subarray(i * 16, (i + 1) * 16));
        expect(norm).toBeCloseTo(1, 5);
      }
      await encoder.release();
    }
  });

  it('refuses a truncated file', async () => {
    const cut = model.int8.subarray(0, model.int8.length - 100);
    await expectCode(loadModel(runtime, model.manifest, cut), 'model_truncated', /truncated/);
  });

  it('refuses a file with one byte changed (sha256 differs from the manifest)', async () => {
    const bad = model.int8.slice();
    bad[bad.length >> 1] ^= 0xff;
    await expectCode(loadModel(runtime, model.manifest, bad), 'model_checksum', /sha256/);
  });

  it('refuses a corrupt file whose manifest matches it, without crashing the runtime', async () => {
    const garbage = model.int8.slice();
    garbage.fill(0xab, 20, 2000);
    const manifest = edited((m) => {
      m.files.int8.sha256 = '';
    });
    manifest.files.int8.sha256 = await sha256Hex(garbage);
    await expectCode(loadModel(runtime, manifest, garbage), 'model_corrupt', /cannot load/);
    // the runtime still works afterwards
    const encoder = await loadModel(runtime, model.manifest, model.int8);
    expect(await encoder.embed(new Float32Array(784), 1)).toHaveLength(16);
  });

  it('refuses a model whose input does not match the manifest', async () => {
    const renamed = edited((m) => {
      m.input.name = 'pixels';
    });
    await expectCode(loadModel(runtime, renamed, model.int8), 'model_io_mismatch', /'pixels'/);
    const resized = edited((m) => {
      m.input.shape = ['N', 1, 32, 32];
    });
    await expectCode(loadModel(runtime, resized, model.int8), 'model_io_mismatch', /input/);
  });

  it('refuses a model whose output does not match the manifest', async () => {
    const wider = edited((m) => {
      m.d = 32;
      m.output.shape = ['N', 32];
    });
    await expectCode(loadModel(runtime, wider, model.int8), 'model_io_mismatch', /output/);
  });

  it('refuses an embed batch whose size is not n · C · H · W', async () => {
    const encoder = await loadModel(runtime, model.manifest, model.int8);
    await expectCode(encoder.embed(new Float32Array(784 * 2 - 1), 2), 'input_invalid', /1567/);
  });
});

describe('parseModelManifest', () => {
  it('accepts the manifest the exporter writes, after a JSON round trip', () => {
    const json = JSON.parse(JSON.stringify(model.manifest));
    expect(parseModelManifest(json)).toEqual(json);
  });

  it('names the field and the rule of a bad manifest', () => {
    const cases: [(m: ModelManifest) => void, RegExp][] = [
      [(m) => ((m as { d: unknown }).d = 0), /manifest\.d is 0; it must be a positive integer/],
      [(m) => (m.output.shape = ['N', 8]), /output\.shape\[1\] is 8; it must equal d=16/],
      [(m) => (m.files.int8.sha256 = 'xyz'), /files\.int8\.sha256.*64 lowercase hex/],
      [(m) => (m.opset = 11), /opset is 11; it must be at least 13/],
    ];
    for (const [edit, message] of cases) {
      let error: unknown;
      try {
        parseModelManifest(edited(edit));
      } catch (e) {
        error = e;
      }
      expect(isModelError(error, 'manifest_invalid')).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });
});
