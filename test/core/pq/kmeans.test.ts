import { describe, expect, it } from 'vitest';
import { assignNearest, kmeans } from '../../../core/pq/kmeans.ts';

describe('kmeans', () => {
  it('finds well-separated clusters exactly', () => {
    const centres = [0, 0, 10, 10, -10, 10];
    const data = new Float32Array(300 * 2);
    for (let i = 0; i < 300; i++) {
      const c = i % 3;
      data[2 * i] = centres[2 * c] + ((i * 7) % 5) / 10 - 0.2;
      data[2 * i + 1] = centres[2 * c + 1] + ((i * 3) % 5) / 10 - 0.2;
    }
    const { centroids } = kmeans(data, 300, 2, 3, { seed: 5 });
    const found = Array.from({ length: 3 }, (_, j) => [
      Math.round(centroids[2 * j]),
      Math.round(centroids[2 * j + 1]),
    ]).sort((a, b) => a[0] - b[0]);
    expect(found).toEqual([
      [-10, 10],
      [0, 0],
      [10, 10],
    ]);
  });

  it('is deterministic for a seed', () => {
    const data = Float32Array.from({ length: 2000 }, (_, i) => (Math.sin(i * 12.9898) * 43758) % 1);
    const a = kmeans(data, 500, 4, 16, { seed: 3 });
    const b = kmeans(data, 500, 4, 16, { seed: 3 });
    expect(a.centroids).toEqual(b.centroids);
  });

  it('fills empty clusters: 8 centroids over 4 distinct points stay finite and cover all', () => {
    // Only 4 distinct points: at least 4 clusters start or become empty and must be split.
    const data = new Float32Array(40 * 2);
    for (let i = 0; i < 40; i++) data.set([i % 4, (i % 4) * 2], 2 * i);
    const { centroids, meanSquaredError } = kmeans(data, 40, 2, 8, { seed: 1 });
    expect(centroids.every(Number.isFinite)).toBe(true);
    // A split moves a centroid by SPLIT_EPSILON = 1/1024 of each coordinate (at most 6 here):
    // the error stays below 2 · (6/1024)² ≈ 6.9e-5, where a lost point would cost ≥ 1.
    expect(meanSquaredError).toBeLessThan(6.9e-5);
  });

  it('refuses fewer points than centroids', () => {
    expect(() => kmeans(new Float32Array(20), 10, 2, 16, { what: 'ksub' })).toThrow(
      'n=10 training vectors is fewer than ksub=16',
    );
  });

  it('assigns each point to its nearest centroid (naive check)', () => {
    const data = Float32Array.from({ length: 300 }, (_, i) => Math.cos(i * 1.7));
    const cents = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i * 2.3));
    const assign = new Int32Array(100);
    const dist = new Float32Array(100);
    assignNearest(data, 100, 3, cents, 10, assign, dist);
    for (let i = 0; i < 100; i++) {
      const d = Array.from({ length: 10 }, (_, j) =>
        [0, 1, 2].reduce((s, t) => s + (data[3 * i + t] - cents[3 * j + t]) ** 2, 0),
      );
      expect(d[assign[i]]).toBeCloseTo(Math.min(...d), 6);
    }
  });
});

describe('kmeans seeding', () => {
  const data = Float32Array.from({ length: 4000 }, (_, i) => (Math.sin(i * 12.9898) * 43758) % 1);

  it('draws random starting points deterministically for a seed', () => {
    const a = kmeans(data, 1000, 4, 32, { seed: 4, seeding: 'random' });
    expect(kmeans(data, 1000, 4, 32, { seed: 4, seeding: 'random' }).centroids).toEqual(
      a.centroids,
    );
    expect(a.centroids).not.toEqual(kmeans(data, 1000, 4, 32, { seed: 4 }).centroids);
  });

  it("'best' keeps the run with the lower error", () => {
    const plus = kmeans(data, 1000, 4, 32, { seed: 4 });
    const random = kmeans(data, 1000, 4, 32, { seed: 4, seeding: 'random' });
    const best = kmeans(data, 1000, 4, 32, { seed: 4, seeding: 'best' });
    expect(best.meanSquaredError).toBe(Math.min(plus.meanSquaredError, random.meanSquaredError));
  });
});
