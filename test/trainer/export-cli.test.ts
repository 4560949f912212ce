// The export and embed runs end to end on a small saved encoder: the model directory and the
// embeddings file as docs/design.md specifies them.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadModel } from '../../core/model/loader.ts';
import { parseModelManifest } from '../../core/model/manifest.ts';
import { saveLayersModel } from '../../trainer/checkpoint.ts';
import { runEmbed } from '../../trainer/export/embed-run.ts';
import { runExport, sampleIndices } from '../../trainer/export/export-run.ts';
import { readModelDir } from '../../trainer/export/model-dir.ts';
import { initNodeRuntime } from '../../trainer/export/ort-node.ts';
import { fashionMnist, smallEncoder } from './export-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'export-cli-'));
const trained = join(root, 'trained');
const out = join(root, 'onnx');
const fp32Out = join(root, 'fp32');
const lines: string[] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  mkdirSync(trained, { recursive: true });
  await saveLayersModel(smallEncoder(), join(trained, 'encoder'));
  const training = { format: 'test', complete: true, seed: 3, config: { d: 16 }, history: [1, 2] };
  writeFileSync(join(trained, 'manifest.json'), JSON.stringify(training));
  await runExport(
    { model: trained, out, fp32Out, calibration: 512, validation: 64, seed: 5 },
    (line) => lines.push(line),
  );
});

describe('runExport', () => {
  it('writes the int8 file and manifest to --out and the fp32 file to --fp32-out', () => {
    const manifest = parseModelManifest(
      JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')),
    );
    expect(readFileSync(join(out, 'encoder.int8.onnx')).byteLength).toBe(manifest.files.int8.bytes);
    expect(readFileSync(join(fp32Out, 'encoder.fp32.onnx')).byteLength).toBe(
      manifest.files.fp32.bytes,
    );
    expect(manifest.input.shape).toEqual(['N', 1, 28, 28]);
    expect(manifest.preprocess).toEqual({
      fit: 'contain',
      background: 'white',
      invert: true,
      gray: 'bt601',
    });
    expect(manifest.quantization.calibration.images).toBe(512);
    // provenance: the training manifest without its per-epoch history
    expect(manifest.provenance.training).toEqual({
      format: 'test',
      complete: true,
      seed: 3,
      config: { d: 16 },
    });
    expect(
      lines.some((l) => /fp32 vs TensorFlow\.js on 64 test images: max abs diff/.test(l)),
    ).toBe(true);
  });

  it('refuses fewer than 512 calibration images', async () => {
    const run = runExport(
      { model: trained, out: join(root, 'x'), calibration: 100, validation: 8, seed: 1 },
      () => {},
    );
    await expect(run).rejects.toThrow(/--calibration 100: at least 512/);
  });
});

describe('runEmbed', () => {
  it('writes little-endian float32 [N, d] equal to the loader output, and a sidecar', async () => {
    const file = join(root, 'emb', 'test.f32');
    const info = await runEmbed(
      { model: out, out: file, split: 'test', variant: 'int8', limit: 50 },
      () => {},
    );
    const sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
    const { manifest, bytes } = readModelDir(out, 'int8');
    expect(sidecar).toMatchObject({
      count: 50,
      d: 16,
      split: 'test',
      modelSha256: manifest.files.int8.sha256,
    });
    expect(info.count).toBe(50);
    const raw = readFileSync(file);
    const written = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const encoder = await loadModel(initNodeRuntime(), manifest, bytes);
    expect(written).toEqual(await encoder.embed(fashionMnist('test', 50), 50));
  });
});

describe('sampleIndices', () => {
  it('draws distinct indices, the same for the same seed', () => {
    const a = sampleIndices(1000, 600, 9);
    expect(new Set(a).size).toBe(600);
    expect(a).toEqual(sampleIndices(1000, 600, 9));
    expect(a).not.toEqual(sampleIndices(1000, 600, 10));
  });
});
