import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdxGz, IDX_MAGIC_IMAGES } from '../../trainer/data/idx.ts';
import {
  DEFAULT_DATA_DIRS,
  loadImages,
  locateFashionMnist,
} from '../../trainer/data/fashion-mnist.ts';
import { loadLabels } from '../../trainer/data/labels.ts';

/** An IDX file of unsigned bytes with the given dims and data. */
function idxBytes(magic: number, dims: number[], data: number[]): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([header, Buffer.from(data)]));
}

describe('parseIdx', () => {
  it('reads the dims and the data of a well-formed file', () => {
    const idx = parseIdx(idxBytes(2051, [2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]), 'f');
    expect(idx.magic).toBe(IDX_MAGIC_IMAGES);
    expect(idx.dims).toEqual([2, 2, 3]);
    expect(Array.from(idx.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  });

  it('rejects a bad magic number, naming the file', () => {
    const bytes = idxBytes(0x01020304, [1], [0]);
    expect(() => parseIdx(bytes, 'x.idx')).toThrow(/x\.idx: bad magic number 0x01020304/);
  });

  it('rejects a label file where images are expected', () => {
    expect(() => parseIdx(idxBytes(2049, [1], [3]), 'l', 2051)).toThrow(/magic number 2049/);
  });

  it('rejects a truncated file and a file with trailing bytes', () => {
    expect(() => parseIdx(idxBytes(2051, [2, 2, 2], [1, 2, 3]), 'short')).toThrow(
      /short: truncated: the header promises 2×2×2 = 8 bytes of data, the file holds 3/,
    );
    expect(() => parseIdx(idxBytes(2049, [2], [1, 2, 3]), 'long')).toThrow(/1 unexpected bytes/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0]), 'hdr')).toThrow(/truncated header/);
  });
});

describe('readIdxGz', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'idx-'));
  });

  it('rejects a file that is not gzip', () => {
    const path = join(dir, 'plain.gz');
    writeFileSync(path, idxBytes(2049, [1], [0]));
    expect(() => readIdxGz(path)).toThrow(`${path}: not a gzip file`);
  });

  it('rejects a cut-off gzip stream', () => {
    const path = join(dir, 'cut.gz');
    const gz = gzipSync(idxBytes(2049, [1000], new Array(1000).fill(7)));
    writeFileSync(path, gz.subarray(0, gz.length - 10));
    expect(() => readIdxGz(path)).toThrow(`${path}: corrupt gzip stream`);
  });

  it('rejects a missing file, naming it', () => {
    expect(() => readIdxGz(join(dir, 'nope.gz'))).toThrow(/nope\.gz: cannot be read/);
  });

  it('rejects an image file whose count is not the split size', () => {
    const sub = join(dir, 'fm');
    mkdirSync(sub);
    writeFileSync(
      join(sub, 't10k-images-idx3-ubyte.gz'),
      gzipSync(idxBytes(2051, [2, 28, 28], new Array(2 * 784).fill(0))),
    );
    expect(() => loadImages(sub, 'test')).toThrow(/holds 2 images, the test split has 10000/);
  });
});

describe('Fashion-MNIST', () => {
  const dir = locateFashionMnist();

  it('finds the shared copy by default, and says how to get the data otherwise', () => {
    expect(dir).toBe(DEFAULT_DATA_DIRS[0]);
    expect(() => locateFashionMnist(undefined, ['/nonexistent'])).toThrow(/npm run data/);
    expect(() => locateFashionMnist('/nonexistent')).toThrow(/--data \/nonexistent/);
  });

  it('loads test images as float32 NHWC in [0, 1] with the file sha256', () => {
    const set = loadImages(dir, 'test', { limit: 100 });
    expect([set.count, set.height, set.width, set.channels]).toEqual([100, 28, 28, 1]);
    expect(set.pixels.length).toBe(100 * 28 * 28);
    expect(set.pixels.reduce((m, v) => Math.min(m, v), 1)).toBe(0);
    expect(set.pixels.reduce((m, v) => Math.max(m, v), 0)).toBe(1);
    // sha256 of t10k-images-idx3-ubyte.gz, from ../shared/data/README.md.
    expect(set.sha256).toBe('346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073');
  });

  it('reads labels for evaluation: the first test label is 9 (Ankle boot)', () => {
    const labels = loadLabels(dir, 'test');
    expect(labels.length).toBe(10_000);
    expect(labels[0]).toBe(9);
    // Each class has exactly 1,000 test labels (../shared/data/README.md).
    expect(labels.filter((l) => l === 3).length).toBe(1000);
  });
});
