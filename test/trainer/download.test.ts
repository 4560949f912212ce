import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkMd5,
  downloadFashionMnist,
  FASHION_MNIST_MD5,
  type FetchBytes,
} from '../../trainer/data/download.ts';
import { readFileSync } from 'node:fs';
import { locateFashionMnist } from '../../trainer/data/fashion-mnist.ts';

const shared = locateFashionMnist();

/** A fetch that serves the shared copy's bytes, optionally corrupting one file. */
function fakeFetch(corrupt?: string): FetchBytes {
  return async (url) => {
    const name = url.slice(url.lastIndexOf('/') + 1);
    const bytes = new Uint8Array(readFileSync(join(shared, name)));
    if (name === corrupt) bytes[100] ^= 0xff;
    return { ok: true, status: 200, arrayBuffer: async () => bytes.slice().buffer };
  };
}

describe('Fashion-MNIST download', () => {
  it('accepts the published files (MD5 from the upstream README)', () => {
    for (const name of Object.keys(FASHION_MNIST_MD5)) {
      expect(() => checkMd5(name, readFileSync(join(shared, name)))).not.toThrow();
    }
  });

  it('writes the four files when every MD5 matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-'));
    const fetched = await downloadFashionMnist(dir, fakeFetch());
    expect(fetched.length).toBe(4);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(FASHION_MNIST_MD5).sort());
  });

  it('refuses a corrupt download and keeps no file under its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-'));
    const bad = 't10k-labels-idx1-ubyte.gz';
    await expect(downloadFashionMnist(dir, fakeFetch(bad))).rejects.toThrow(
      /t10k-labels-idx1-ubyte\.gz: MD5 [0-9a-f]{32} .* differs from the published bb300cfd/,
    );
    expect(readdirSync(dir)).not.toContain(bad);
  });

  it('reports a network failure with the URL and the way to do without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-'));
    const offline: FetchBytes = async () => {
      throw new Error('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND') });
    };
    await expect(downloadFashionMnist(dir, offline)).rejects.toThrow(
      /train-images-idx3-ubyte\.gz: fetch failed \(getaddrinfo ENOTFOUND\); .*dataset-fashion/,
    );
  });

  it('reports an HTTP failure with the URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-'));
    const failing: FetchBytes = async () => ({
      ok: false,
      status: 404,
      arrayBuffer: async () => new ArrayBuffer(0),
    });
    await expect(downloadFashionMnist(dir, failing)).rejects.toThrow(/train-images.*HTTP 404/);
  });
});
