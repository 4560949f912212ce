/**
 * A small catalog folder for the trainer's tests: seeded random-colour PNGs (odd sizes, some
 * with transparency) and a manifest with a split column, written under a temporary folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import encodePng, { init as initPngEncoder } from '@jsquash/png/encode.js';
import { randomImage, wasmModule } from '../core/image/helpers.ts';

/** Writes `count` PNGs under `dir/train/` and `dir/manifest.csv` (`path,split,category`). */
export async function writeFolderCatalog(
  dir: string,
  count: number,
  category: (i: number) => string,
): Promise<string[]> {
  await initPngEncoder(wasmModule('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'));
  mkdirSync(join(dir, 'train'), { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const image = randomImage(9 + (i % 5), 13 + (i % 3), 100 + i);
    const data = new Uint8ClampedArray(image.data);
    const png = await encodePng({ ...image, data, colorSpace: 'srgb' });
    const path = `train/img-${i}.png`;
    writeFileSync(join(dir, path), new Uint8Array(png));
    paths.push(path);
  }
  writeManifest(dir, 'manifest.csv', paths, category);
  return paths;
}

/** Writes a manifest `name` in `dir` for `paths`, with `category(i)` for row i. */
export function writeManifest(
  dir: string,
  name: string,
  paths: string[],
  category: (i: number) => string,
): void {
  const rows = paths.map((p, i) => `${p},train,${category(i)}`);
  writeFileSync(join(dir, name), ['path,split,category', ...rows].join('\n') + '\n');
}
