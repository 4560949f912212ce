/**
 * String tables of the index file: item ids, category names, titles, image URLs.
 *
 * Layout (little-endian): u32 n, then u32 offsets[n + 1] (byte offsets into the UTF-8 data,
 * offsets[0] = 0), then the UTF-8 bytes of the n strings back to back.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes `strings` as a string table (Uint8Array). */
export function encodeStrings(strings: readonly string[]): Uint8Array {
  const parts = strings.map((s) => encoder.encode(s));
  const head = 4 + 4 * (strings.length + 1);
  const total = parts.reduce((sum, p) => sum + p.length, head);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, strings.length, true);
  let at = 0;
  parts.forEach((p, i) => {
    view.setUint32(4 + 4 * i, at, true);
    out.set(p, head + at);
    at += p.length;
  });
  view.setUint32(4 + 4 * strings.length, at, true);
  return out;
}

/**
 * Decodes a string table; throws a RangeError naming the fault when it is inconsistent
 * (offsets out of order or past the end, bad UTF-8).
 */
export function decodeStrings(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new RangeError(`string table of ${bytes.length} bytes is too short`);
  const n = view.getUint32(0, true);
  const head = 4 + 4 * (n + 1);
  if (head > bytes.length) throw new RangeError(`string table of ${n} strings is truncated`);
  const out = new Array<string>(n);
  let prev = view.getUint32(4, true);
  for (let i = 0; i < n; i++) {
    const next = view.getUint32(8 + 4 * i, true);
    if (next < prev || head + next > bytes.length) {
      throw new RangeError(`string table offset ${i + 1}=${next} is out of order or past the end`);
    }
    out[i] = decoder.decode(bytes.subarray(head + prev, head + next));
    prev = next;
  }
  if (head + prev !== bytes.length) {
    throw new RangeError(`string table has ${bytes.length - head - prev} trailing bytes`);
  }
  return out;
}

/** Placeholder of the item id in an image URL template. */
export const ID_PLACEHOLDER = '{id}';

/**
 * Returns a template such that every url = template with {id} replaced by the item's id, or
 * undefined when there is none (then each URL is stored).
 */
export function urlTemplate(ids: readonly string[], urls: readonly string[]): string | undefined {
  const at = urls[0]?.indexOf(ids[0]) ?? -1;
  if (at < 0 || ids[0] === '') return undefined;
  const before = urls[0].slice(0, at);
  const after = urls[0].slice(at + ids[0].length);
  if (before.includes(ID_PLACEHOLDER) || after.includes(ID_PLACEHOLDER)) return undefined;
  const ok = urls.every((u, i) => u === before + ids[i] + after);
  return ok ? before + ID_PLACEHOLDER + after : undefined;
}
