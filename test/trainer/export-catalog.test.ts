// An encoder trained on a catalog folder's RGB images, exported as `npm run export` does: the
// calibration images come from the folder and split its training manifest names.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModelManifest, type ModelManifest } from '../../core/model/manifest.ts';
import { initBackend } from '../../trainer/backend.ts';
import { runExport } from '../../trainer/export/export-run.ts';
import { runTraining } from '../../trainer/train-run.ts';
import { onnxCheck } from './export-fixtures.ts';
import { writeFolderCatalog } from './folder-fixture.ts';

const root = mkdtempSync(join(tmpdir(), 'export-catalog-'));
const catalog = join(root, 'catalog');
const trained = join(root, 'trained');
const out = join(root, 'onnx');
const lines: string[] = [];
let manifest: ModelManifest;

beforeAll(async () => {
  // 512 calibration + 64 validation images are the least an export takes.
  await writeFolderCatalog(catalog, 600, () => 'x');
  const backend = await initBackend('wasm');
  const options = { epochs: 1, batch: 64, dim: 4, seed: 2, lr: 2e-3, resume: false };
  const run = { ...options, out: trained, catalog, split: ['train'], size: 12, filters: [4] };
  await runTraining(run, backend, { line: () => {} });
  manifest = await runExport(
    { model: trained, out, calibration: 512, validation: 64, seed: 1 },
    (line) => lines.push(line),
  );
});

describe('runExport of a catalog encoder', () => {
  it('takes N×3×12×12 RGB input, fitted on white without inversion', () => {
    expect(manifest.input.shape).toEqual(['N', 3, 12, 12]);
    expect(manifest.preprocess).toEqual({
      fit: 'contain',
      background: 'white',
      invert: false,
      gray: 'bt601',
    });
    const written = parseModelManifest(
      JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')),
    );
    expect(written.files.int8.sha256).toBe(manifest.files.int8.sha256);
  });

  it('calibrates on the catalog images and checks fp32 against TensorFlow.js on them', () => {
    const calibration = (manifest.provenance as { calibrationData: { file: string } })
      .calibrationData;
    expect(calibration.file).toBe(join(catalog, 'manifest.csv'));
    const read = /^calibration images: 600 from .*manifest\.csv \(sha256 [0-9a-f]{12}…\)$/;
    expect(lines).toContainEqual(expect.stringMatching(read));
    expect(lines.some((l) => /fp32 vs TensorFlow\.js on 64 training images/.test(l))).toBe(true);
  });

  it('passes the ONNX checker (python3-onnx, full_check) for both files', () => {
    const files = ['encoder.int8.onnx', 'encoder.fp32.onnx'].map((f) => join(out, f));
    expect(onnxCheck(files).map((r) => r.ok)).toEqual([true, true]);
  });
});
