/**
 * The binary index file (docs/index-format.md): a fixed header, a section table, 8-byte
 * aligned sections, and a CRC-32 trailer. `writeIndex` and the one reader, `readIndexData`;
 * no Node APIs, so the trainer and the edge share them.
 */
import { FORMAT_VERSION, type IndexData, type IndexHeader } from '../pq/index-data.ts';
import { crc32 } from './checksum.ts';
import { IndexFormatError } from './errors.ts';
import { decodeSections, encodeSections, type Section } from './sections.ts';

export { IndexFormatError, type IndexFormatFault } from './errors.ts';

/** First 8 bytes of every index file: "PQINDEX" and a NUL. */
export const MAGIC = new Uint8Array([0x50, 0x51, 0x49, 0x4e, 0x44, 0x45, 0x58, 0x00]);
/** Bytes of the fixed header, before the section table. */
export const HEADER_BYTES = 96;
/** Bytes of one section table entry: tag, reserved, offset, length (u32 each). */
export const SECTION_ENTRY_BYTES = 16;
/** Bytes of the CRC-32 trailer. */
export const CHECKSUM_BYTES = 4;

const REFINE_KINDS = ['none', 'int8', 'float16', 'pq'] as const;
const METRIC_COSINE = 1;
const FLAG_OPQ = 1;

function writeHeader(view: DataView, h: IndexHeader, total: number, sections: number): void {
  new Uint8Array(view.buffer).set(MAGIC, 0);
  const words = [
    FORMAT_VERSION,
    total,
    h.d,
    h.M,
    h.nbits,
    h.nlist,
    h.count,
    METRIC_COSINE,
    h.opq ? FLAG_OPQ : 0,
    REFINE_KINDS.indexOf(h.refine),
    h.refineM,
    sections,
  ];
  words.forEach((w, i) => view.setUint32(8 + 4 * i, w, true));
  for (let i = 0; i < h.modelSha256.length / 2; i++) {
    view.setUint8(56 + i, parseInt(h.modelSha256.slice(2 * i, 2 * i + 2), 16));
  }
  view.setFloat64(88, Date.parse(h.builtAt), true);
}

/** Serialises `data` to the index file format; returns the whole file. */
export function writeIndex(data: IndexData): Uint8Array {
  const sections = encodeSections(data);
  let at = HEADER_BYTES + SECTION_ENTRY_BYTES * sections.length;
  const placed = sections.map((s) => {
    at = Math.ceil(at / 8) * 8;
    const offset = at;
    at += s.bytes.length;
    return { ...s, offset };
  });
  const total = Math.ceil(at / 8) * 8 + CHECKSUM_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  writeHeader(view, data.header, total, sections.length);
  placed.forEach((s, i) => {
    const entry = HEADER_BYTES + SECTION_ENTRY_BYTES * i;
    for (let c = 0; c < 4; c++) view.setUint8(entry + c, s.tag.charCodeAt(c));
    view.setUint32(entry + 8, s.offset, true);
    view.setUint32(entry + 12, s.bytes.length, true);
    out.set(s.bytes, s.offset);
  });
  view.setUint32(total - CHECKSUM_BYTES, crc32(out.subarray(0, total - CHECKSUM_BYTES)), true);
  return out;
}

function checkFrame(bytes: Uint8Array, view: DataView): void {
  if (bytes.length < HEADER_BYTES + CHECKSUM_BYTES) {
    throw new IndexFormatError(
      'length',
      `file has ${bytes.length} bytes, fewer than the ` +
        `${HEADER_BYTES + CHECKSUM_BYTES} of an empty index`,
    );
  }
  if (!MAGIC.every((b, i) => bytes[i] === b)) {
    const found = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0'));
    throw new IndexFormatError(
      'magic',
      `first bytes are ${found.join(' ')}, expected ` + `"PQINDEX\\0": not an index file`,
    );
  }
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw new IndexFormatError(
      'version',
      `format version ${version}, this reader reads ` + `version ${FORMAT_VERSION}`,
    );
  }
  const total = view.getUint32(12, true);
  if (total !== bytes.length) {
    throw new IndexFormatError(
      'length',
      `file has ${bytes.length} bytes, its header says ` + `${total} (truncated or padded)`,
    );
  }
  const stored = view.getUint32(total - CHECKSUM_BYTES, true);
  const actual = crc32(bytes.subarray(0, total - CHECKSUM_BYTES));
  if (stored !== actual) {
    throw new IndexFormatError(
      'checksum',
      `CRC-32 of the contents is ${actual.toString(16)}, ` +
        `the file says ${stored.toString(16)} (corrupted)`,
    );
  }
}

function readHeader(view: DataView): IndexHeader {
  const u32 = (at: number) => view.getUint32(at, true);
  const refine = REFINE_KINDS[u32(44)];
  if (u32(36) !== METRIC_COSINE) throw new IndexFormatError('header', `metric ${u32(36)}`);
  if (refine === undefined) throw new IndexFormatError('header', `re-rank kind ${u32(44)}`);
  const sha = Array.from({ length: 32 }, (_, i) => view.getUint8(56 + i));
  const builtAt = new Date(view.getFloat64(88, true));
  if (Number.isNaN(builtAt.getTime())) throw new IndexFormatError('header', 'build time');
  return {
    version: u32(8),
    d: u32(16),
    M: u32(20),
    nbits: u32(24),
    nlist: u32(28),
    count: u32(32),
    metric: 'cosine',
    opq: (u32(40) & FLAG_OPQ) !== 0,
    refine,
    refineM: u32(48),
    modelSha256: sha.every((b) => b === 0)
      ? ''
      : sha.map((b) => b.toString(16).padStart(2, '0')).join(''),
    builtAt: builtAt.toISOString(),
  };
}

function readSectionTable(bytes: Uint8Array, view: DataView): Map<string, Uint8Array> {
  const count = view.getUint32(52, true);
  const end = bytes.length - CHECKSUM_BYTES;
  if (HEADER_BYTES + SECTION_ENTRY_BYTES * count > end) {
    throw new IndexFormatError('length', `${count} sections do not fit in ${bytes.length} bytes`);
  }
  const sections = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const entry = HEADER_BYTES + SECTION_ENTRY_BYTES * i;
    const tag = String.fromCharCode(...bytes.subarray(entry, entry + 4));
    const offset = view.getUint32(entry + 8, true);
    const length = view.getUint32(entry + 12, true);
    if (offset + length > end) {
      throw new IndexFormatError(
        'length',
        `section ${tag} [${offset}, +${length}) runs past ` + `the contents' end ${end}`,
      );
    }
    sections.set(tag, bytes.subarray(offset, offset + length));
  }
  return sections;
}

/**
 * Reads an index file. Throws an {@link IndexFormatError} whose `fault` is 'magic',
 * 'version', 'length', 'checksum', 'header' or 'section' when the file is unreadable.
 */
export function readIndexData(bytes: Uint8Array): IndexData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkFrame(bytes, view);
  const header = readHeader(view);
  const sections: Section[] = [...readSectionTable(bytes, view)].map(([tag, b]) => ({
    tag,
    bytes: b,
  }));
  try {
    return decodeSections(header, sections);
  } catch (e) {
    if (e instanceof IndexFormatError) throw e;
    throw new IndexFormatError('section', (e as Error).message);
  }
}
