import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../trainer/backend.ts';
import { loadFolderImages } from '../../trainer/data/folder-images.ts';
import { runTraining } from '../../trainer/train-run.ts';
import { writeFolderCatalog, writeManifest } from './folder-fixture.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every project file reachable by static or dynamic relative imports from `entry`. */
function importGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [resolve(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      queue.push(resolve(dirname(file), m[1]));
    }
  }
  return seen;
}

describe('labels never reach training', () => {
  const labels = resolve(root, 'trainer/data/labels.ts');

  it.each([
    'trainer/cli/train.ts',
    'trainer/train-run.ts',
    'trainer/train.ts',
    'trainer/train-data.ts',
    'trainer/data/folder-images.ts',
  ])('%s does not import the label reader, directly or not', (entry) => {
    const graph = importGraph(entry);
    expect(graph.size).toBeGreaterThanOrEqual(3);
    expect([...graph].map((f) => f.slice(root.length + 1))).not.toContain('trainer/data/labels.ts');
    expect(graph.has(labels)).toBe(false);
  });

  it('the graph walk does find the label reader where it is imported', () => {
    expect(importGraph('test/trainer/idx.test.ts').has(labels)).toBe(true);
  });
});

describe('labels of a catalog folder never reach training', () => {
  const NAMES = ['cat-alpha', 'cat-beta', 'cat-gamma'];

  it('trains the same weights whatever the manifest says the categories are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-labels-'));
    const paths = await writeFolderCatalog(dir, 48, (i) => NAMES[i % 3]);
    writeManifest(dir, 'shuffled.csv', paths, (i) => NAMES[(i * 7 + 1) % 3]);
    const [a, b] = await Promise.all(
      ['manifest.csv', 'shuffled.csv'].map((m) =>
        loadFolderImages(dir, join(dir, m), { split: ['train'], size: 12 }),
      ),
    );
    expect(b.sha256).toBe(a.sha256);
    expect(b.pixels).toEqual(a.pixels);

    const backend = await initBackend('wasm');
    const weights = [];
    for (const manifest of ['manifest.csv', 'shuffled.csv']) {
      const out = join(dir, `model-${manifest}`);
      const options = { epochs: 1, batch: 16, dim: 4, seed: 5, lr: 2e-3, resume: false };
      const run = { ...options, out, catalog: dir, manifest, size: 12, filters: [4] };
      await runTraining(run, backend, { line: () => {} });
      weights.push(readFileSync(join(out, 'encoder', 'weights.bin')));
      const text = readFileSync(join(out, 'manifest.json'), 'utf8');
      expect(JSON.parse(text).data).toMatchObject({ labelsUsed: false, count: 48 });
      for (const name of NAMES) expect(text).not.toContain(name);
    }
    expect(weights[1].equals(weights[0])).toBe(true);
  });
});
