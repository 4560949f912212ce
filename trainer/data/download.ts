/**
 * Download of the four original Fashion-MNIST files, each checked against the MD5 sum published
 * in the upstream README (zalandoresearch/fashion-mnist). The fetch function is passed in, so
 * the checking can be tested offline.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_FILES } from './fashion-mnist.ts';

/** The dataset's official download address (upstream README), with a trailing slash. */
export const FASHION_MNIST_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** Published MD5 (hex) of each original `.gz` file, by file name. */
export const FASHION_MNIST_MD5: Record<string, string> = {
  [FASHION_MNIST_FILES.trainImages]: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  [FASHION_MNIST_FILES.trainLabels]: '25c81989df183df01b3e8a0aad5dffbe',
  [FASHION_MNIST_FILES.testImages]: 'bef4ecab320f06d8554ea6380940ec79',
  [FASHION_MNIST_FILES.testLabels]: 'bb300cfdad3c16e7a12a480ee83cd310',
};

/** MD5 (hex) of a byte array. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Throws unless `bytes` has the published MD5 of `name`; the message gives both sums. */
export function checkMd5(name: string, bytes: Uint8Array): void {
  const expected = FASHION_MNIST_MD5[name];
  if (expected === undefined) throw new Error(`${name} is not one of the Fashion-MNIST files`);
  const actual = md5Hex(bytes);
  if (actual !== expected) {
    throw new Error(
      `${name}: MD5 ${actual} (${bytes.length} bytes) differs from the published ` +
        `${expected}; the download is corrupt or not the final release`,
    );
  }
}

/** The subset of `fetch` this module uses. */
export type FetchBytes = (url: string) => Promise<{
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/**
 * Downloads the four files into `dir` (created if missing), checking each MD5 before the file
 * takes its final name. Files already present with the right MD5 are kept. Returns the names
 * of the files fetched. `log` receives one line per file.
 */
export async function downloadFashionMnist(
  dir: string,
  fetchBytes: FetchBytes,
  log: (line: string) => void = () => {},
  baseUrl = FASHION_MNIST_BASE_URL,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const fetched: string[] = [];
  for (const name of Object.keys(FASHION_MNIST_MD5)) {
    const path = join(dir, name);
    if (existsSync(path) && md5Hex(readFileSync(path)) === FASHION_MNIST_MD5[name]) {
      log(`${name}: present, MD5 ok`);
      continue;
    }
    const response = await fetchBytes(baseUrl + name).catch((err: Error) => {
      const cause = (err.cause as Error | undefined)?.message;
      throw new Error(
        `${baseUrl + name}: ${err.message}${cause ? ` (${cause})` : ''}; ` +
          'without internet, use `apt-get install dataset-fashion-mnist` or pass --data DIR',
      );
    });
    if (!response.ok) throw new Error(`${baseUrl + name}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    checkMd5(name, bytes);
    writeFileSync(`${path}.part`, bytes);
    renameSync(`${path}.part`, path);
    log(`${name}: ${bytes.length} bytes, MD5 ok`);
    fetched.push(name);
  }
  return fetched;
}
