import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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

  it.each(['trainer/cli/train.ts', 'trainer/train-run.ts', 'trainer/train.ts'])(
    '%s does not import the label reader, directly or not',
    (entry) => {
      const graph = importGraph(entry);
      expect(graph.size).toBeGreaterThanOrEqual(3);
      expect([...graph].map((f) => f.slice(root.length + 1))).not.toContain(
        'trainer/data/labels.ts',
      );
      expect(graph.has(labels)).toBe(false);
    },
  );

  it('the graph walk does find the label reader where it is imported', () => {
    expect(importGraph('test/trainer/idx.test.ts').has(labels)).toBe(true);
  });
});
