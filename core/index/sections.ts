/**
 * The sections of an index file: what each tag holds, how it is encoded, and the size checks
 * made when reading. Numbers are little-endian; see docs/index-format.md for the table.
 */
import { NO_CATEGORY, type IndexData, type IndexHeader, type ItemTable } from '../pq/index-data.ts';
import { pqParams } from '../pq/params.ts';
import { refineBytesPerItem, type RefineStore } from '../pq/refine.ts';
import { IndexFormatError } from './errors.ts';
import { decodeStrings, encodeStrings, ID_PLACEHOLDER, urlTemplate } from './strings.ts';

/** One section: a 4-character tag and its bytes. */
export interface Section {
  tag: string;
  bytes: Uint8Array;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The sections of `data`, in file order; optional parts are left out when absent. */
export function encodeSections(data: IndexData): Section[] {
  const { items } = data;
  const out: Section[] = [];
  const add = (tag: string, a: ArrayBufferView | undefined) => {
    if (a) out.push({ tag, bytes: bytesOf(a) });
  };
  add('ROTN', data.rotation);
  add('CENT', data.centroids);
  add('COAR', data.coarse);
  add('LIST', data.listOffsets);
  add('CODE', data.codes);
  add('RPAR', data.refine?.params);
  add('RCOD', data.refine?.codes);
  add('IDS_', encodeStrings(items.ids));
  if (items.categoryOf) {
    add('CATN', encodeStrings(items.categoryNames));
    add('CATS', items.categoryOf);
  }
  if (items.titles) add('TITL', encodeStrings(items.titles));
  if (items.imageUrls) {
    const template = urlTemplate(items.ids, items.imageUrls);
    if (template) add('IURT', new TextEncoder().encode(template));
    else add('IURL', encodeStrings(items.imageUrls));
  }
  return out;
}

/** Reads the Float32Array of `bytes` (copied: sections need not be 4-byte aligned in memory). */
function floats(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.slice().buffer);
}

/** Returns section `tag`, checking its length; undefined when absent and not `required`. */
function take(
  sections: Map<string, Uint8Array>,
  tag: string,
  length: number,
  required: boolean,
): Uint8Array | undefined {
  const bytes = sections.get(tag);
  if (!bytes) {
    if (required) throw new IndexFormatError('section', `section ${tag} is missing`);
    return undefined;
  }
  if (bytes.length !== length) {
    throw new IndexFormatError(
      'section',
      `section ${tag} has ${bytes.length} bytes, ` + `the header implies ${length}`,
    );
  }
  return bytes;
}

function strings(bytes: Uint8Array, tag: string, count: number): string[] {
  const out = decodeStrings(bytes);
  if (out.length !== count) {
    throw new IndexFormatError(
      'section',
      `section ${tag} has ${out.length} strings, ` + `count=${count}`,
    );
  }
  return out;
}

function decodeItems(header: IndexHeader, sections: Map<string, Uint8Array>): ItemTable {
  const { count } = header;
  const get = (tag: string) => sections.get(tag);
  const ids = strings(get('IDS_') ?? new Uint8Array(), 'IDS_', count);
  const catn = get('CATN');
  const categoryNames = catn ? decodeStrings(catn) : [];
  const cats = take(sections, 'CATS', 2 * count, catn !== undefined);
  const categoryOf = cats ? new Uint16Array(cats.slice().buffer) : undefined;
  categoryOf?.forEach((c, i) => {
    if (c !== NO_CATEGORY && c >= categoryNames.length) {
      throw new IndexFormatError(
        'section',
        `item ${i} has category ${c} of ` + `${categoryNames.length}`,
      );
    }
  });
  const titl = get('TITL');
  const iurl = get('IURL');
  const iurt = get('IURT');
  const template = iurt ? new TextDecoder().decode(iurt) : undefined;
  return {
    ids,
    categoryNames,
    categoryOf,
    titles: titl ? strings(titl, 'TITL', count) : undefined,
    imageUrls: iurl
      ? strings(iurl, 'IURL', count)
      : template
        ? ids.map((id) => template.replace(ID_PLACEHOLDER, id))
        : undefined,
  };
}

function decodeRefine(h: IndexHeader, sections: Map<string, Uint8Array>) {
  if (h.refine === 'none') return undefined;
  const paramFloats = { int8: 2 * h.d, float16: 0, pq: h.refineM * 256 * (h.d / h.refineM) };
  if (h.refine === 'pq') pqParams(h.d, h.refineM, 8);
  const perItem = refineBytesPerItem(h.refine, h.d, h.refineM);
  const params = take(sections, 'RPAR', 4 * paramFloats[h.refine], h.refine !== 'float16');
  const codes = take(sections, 'RCOD', perItem * h.count, true) as Uint8Array;
  const store: RefineStore = {
    kind: h.refine,
    refineM: h.refineM,
    codes: codes.slice(),
    params: params ? floats(params) : new Float32Array(0),
  };
  return store;
}

/** Rebuilds the index contents from its sections, checking each length against the header. */
export function decodeSections(header: IndexHeader, list: Section[]): IndexData {
  let params;
  try {
    params = pqParams(header.d, header.M, header.nbits);
  } catch (e) {
    throw new IndexFormatError('header', (e as Error).message);
  }
  const sections = new Map(list.map((s) => [s.tag, s.bytes]));
  const { d, M, ksub, dsub, codeSize } = params;
  const { nlist, count } = header;
  const rotation = take(sections, 'ROTN', 4 * d * d, header.opq);
  const coarse = take(sections, 'COAR', 4 * nlist * d, nlist > 0);
  const lists = take(sections, 'LIST', 4 * (nlist + 1), nlist > 0);
  const listOffsets = lists ? new Uint32Array(lists.slice().buffer) : undefined;
  if (
    listOffsets &&
    (listOffsets[0] !== 0 ||
      listOffsets[nlist] !== count ||
      listOffsets.some((v, i) => i > 0 && v < listOffsets[i - 1]))
  ) {
    throw new IndexFormatError('section', `section LIST is not ascending from 0 to ${count}`);
  }
  return {
    header,
    rotation: rotation && floats(rotation),
    centroids: floats(take(sections, 'CENT', 4 * M * ksub * dsub, true) as Uint8Array),
    coarse: coarse && floats(coarse),
    listOffsets,
    codes: (take(sections, 'CODE', count * codeSize, true) as Uint8Array).slice(),
    refine: decodeRefine(header, sections),
    items: decodeItems(header, sections),
  };
}
