/**
 * `npm run eval` as a command: option errors name the option, the value and the rule; a small
 * run with the test encoder (as both the int8 and a separate fp32 file) writes every row, the
 * JSON record and the figure, and leaves BENCHMARKS.md alone because it used a subset.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/paths.ts';
import { fixtureManifest, fixtureModelBytes } from '../edge/fixtures/model.ts';

const DIR = join(REPO_ROOT, 'artifacts', 'test', 'eval-cli');
const MODEL = join(DIR, 'model');
const FP32 = join(DIR, 'fp32');
const OUT = join(DIR, 'reports');
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

function evalCli(...args: string[]) {
  const run = spawnSync(TSX, ['scripts/eval.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 100_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(MODEL, { recursive: true });
  mkdirSync(FP32, { recursive: true });
  const int8 = fixtureModelBytes(7);
  const fp32 = fixtureModelBytes(8);
  const manifest = fixtureManifest(int8);
  manifest.files.fp32 = { path: 'encoder.fp32.onnx', bytes: fp32.byteLength, sha256: sha(fp32) };
  writeFileSync(join(MODEL, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(MODEL, 'encoder.int8.onnx'), int8);
  writeFileSync(join(FP32, 'encoder.fp32.onnx'), fp32);
});

describe('npm run eval', () => {
  it('rejects a bad option naming the option, the value and the rule', () => {
    const queries = evalCli('--queries', '0');
    expect(queries.status).not.toBe(0);
    expect(queries.stderr).toContain('--queries=0 must be a whole number from 1 to 10000');
    const base = evalCli('--base', '50');
    expect(base.stderr).toContain('--base=50 must be a whole number from 100 to 60000');
  });

  it('hands --catalog to the folder-catalog evaluation', () => {
    const run = evalCli('--catalog', OUT, '--no-write');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('eval:catalog: pass --model DIR');
  });

  it('refuses an --fp32-model folder that lacks the fp32 file', () => {
    const run = evalCli('--model', MODEL, '--fp32-model', OUT, '--no-write');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`--fp32-model ${OUT}: no encoder.fp32.onnx there`);
  });

  it('writes every row, the record and the figure of a small run, not BENCHMARKS.md', () => {
    const benchmarks = sha(readFileSync(join(REPO_ROOT, 'BENCHMARKS.md')));
    const args = ['--model', MODEL, '--fp32-model', FP32, '--queries', '40', '--base', '300'];
    const run = evalCli(...args, '--out', OUT);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(sha(readFileSync(join(REPO_ROOT, 'BENCHMARKS.md')))).toBe(benchmarks);
    expect(run.stdout).toContain('BENCHMARKS.md left as it is');

    const record = JSON.parse(readFileSync(join(OUT, 'eval.json'), 'utf8'));
    expect(record).toMatchObject({ queries: 40, catalogSize: 300, complete: false });
    expect(record.command).toBe(`npm run eval -- ${args.join(' ')} --out ${OUT}`);
    expect(record.commit).toMatch(/^[0-9a-f]{40}$/);
    const names = record.rows.map((r: { name: string }) => r.name);
    expect(names).toEqual([
      'raw pixels',
      'PCA-16 of pixels',
      'fp32 ONNX embedding',
      'int8 ONNX embedding',
      'int8 ONNX embedding, PQ8 + float16 re-rank',
    ]);
    for (const row of record.rows) {
      expect(row.curve).toHaveLength(100);
      for (const v of [row.precisionAt1, row.precisionAt10, row.mapAt100, row.knnAccuracy]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(row.msPerQuery).toBeGreaterThan(0);
    }
    expect(record.rows[4].recall.overlap10).toBeGreaterThan(0.5);
    expect(record.sweep).toEqual([]);
    expect(record.notes.join(' ')).toContain('Index sweep skipped');
    const png = readFileSync(join(OUT, 'eval.png'));
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  });
});
