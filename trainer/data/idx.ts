/**
 * Reader for the IDX format of (Fashion-)MNIST, gzip-compressed as distributed.
 *
 * An IDX file is a 4-byte magic number `00 00 TT ND` (TT = element type, ND = number of
 * dimensions), ND big-endian uint32 sizes, then the elements row-major. Fashion-MNIST only uses
 * type 0x08 (unsigned byte): images have ND = 3 (`count × rows × cols`, magic 2051) and labels
 * ND = 1 (`count`, magic 2049). Every check names the file and the fault.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** IDX element type code of unsigned bytes, the only type Fashion-MNIST uses. */
export const IDX_TYPE_UBYTE = 0x08;
/** Magic number of an image file: type 0x08, 3 dimensions. */
export const IDX_MAGIC_IMAGES = 2051;
/** Magic number of a label file: type 0x08, 1 dimension. */
export const IDX_MAGIC_LABELS = 2049;

const GZIP_MAGIC = [0x1f, 0x8b];

/** A malformed IDX file: the message names the file and what is wrong with it. */
export class IdxFormatError extends Error {
  constructor(
    readonly file: string,
    readonly fault: string,
  ) {
    super(`${file}: ${fault}`);
    this.name = 'IdxFormatError';
  }
}

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  /** The magic number, e.g. 2051 for images. */
  magic: number;
  /** Sizes of the dimensions, outermost first, e.g. `[60000, 28, 28]`. */
  dims: number[];
  /** The elements, row-major; length is the product of `dims`. A view into the decoded file. */
  data: Uint8Array;
}

/**
 * Parses the bytes of an uncompressed IDX file of unsigned bytes. `file` names the source in
 * errors. `expectedMagic` (2051 or 2049) is checked when given. The element count must equal
 * the product of the dimensions exactly: a shorter file is truncated, a longer one has junk.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedMagic?: number): IdxArray {
  if (bytes.length < 4) {
    throw new IdxFormatError(file, `${bytes.length} bytes is too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = bytes[2];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type !== IDX_TYPE_UBYTE || ndims < 1) {
    const hex = `0x${magic.toString(16).padStart(8, '0')}`;
    throw new IdxFormatError(
      file,
      `bad magic number ${hex}: an IDX file of unsigned bytes ` +
        `starts with 00 00 08 ND (ND ≥ 1)`,
    );
  }
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw new IdxFormatError(
      file,
      `magic number ${magic}, expected ${expectedMagic} ` +
        `(${expectedMagic === IDX_MAGIC_IMAGES ? 'images' : 'labels'})`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxFormatError(
      file,
      `truncated header: ${bytes.length} bytes, ` + `${ndims} dimensions need ${headerBytes}`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new IdxFormatError(
      file,
      `truncated: the header promises ${dims.join('×')} = ` +
        `${expected} bytes of data, the file holds ${actual}`,
    );
  }
  if (actual > expected) {
    throw new IdxFormatError(
      file,
      `${actual - expected} unexpected bytes after the ` +
        `${dims.join('×')} = ${expected} bytes of data the header declares`,
    );
  }
  return { magic, dims, data: bytes.subarray(headerBytes) };
}

/** Decompresses a gzip buffer, naming `file` and the zlib fault when it is not valid gzip. */
export function gunzipIdx(compressed: Uint8Array, file: string): Uint8Array {
  if (compressed[0] !== GZIP_MAGIC[0] || compressed[1] !== GZIP_MAGIC[1]) {
    throw new IdxFormatError(file, 'not a gzip file (it does not start with 1f 8b)');
  }
  try {
    return gunzipSync(compressed);
  } catch (err) {
    throw new IdxFormatError(file, `corrupt gzip stream (${(err as Error).message})`);
  }
}

/** The raw bytes of a `.gz` IDX file, decoded and checked; see `parseIdx`. */
export function readIdxGz(path: string, expectedMagic?: number): IdxArray & { gz: Uint8Array } {
  let gz: Uint8Array;
  try {
    gz = readFileSync(path);
  } catch (err) {
    throw new IdxFormatError(path, `cannot be read (${(err as Error).message})`);
  }
  return { ...parseIdx(gunzipIdx(gz, path), path, expectedMagic), gz };
}
