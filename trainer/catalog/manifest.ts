/**
 * The manifest of a custom catalog: one row per item, as CSV (a header row naming the columns)
 * or JSON Lines (one object per line). Columns: `id` (optional; derived from the path when
 * empty), `path` (the image, relative to the catalog folder), and optional `category` (or its
 * alias `label`), `title`, `url` (the item's picture on the shop's site; default the service's
 * own image route) and `split` (which part of a data set the row belongs to, for
 * {@link selectSplit}). Other columns are ignored and listed in {@link ManifestText.ignored}, so
 * that a shop's export (price, sku, ...) needs no rewriting.
 *
 * ```csv
 * id,path,category,title
 * dress-001,images/dress-001.jpg,dress,Red summer dress
 * ```
 *
 * Every fault names the file, the row (1-based, the header is row 1 of a CSV) and the rule.
 */
import { extname, isAbsolute, normalize } from 'node:path';

/** One item of a custom catalog. */
export interface ManifestRow {
  id: string;
  /** Path of the image relative to the catalog folder, normalised. */
  path: string;
  category?: string;
  title?: string;
  url?: string;
  /** The `split` column (e.g. `train`), when the manifest has one. */
  split?: string;
  /** Row of the manifest it came from, 1-based. */
  row: number;
}

/** A parsed manifest: its rows, and the columns (or JSON keys) it has that nobody reads. */
export interface ManifestText {
  rows: ManifestRow[];
  /** Column names ignored, in the order first seen. */
  ignored: string[];
}

/** A stable item id: 1–128 characters of letters, digits, `.`, `_`, `-`, starting alnum. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Longest category, in characters (the edge's query limit). */
export const MAX_CATEGORY_CHARS = 64;
/** Longest title, in characters. */
export const MAX_TITLE_CHARS = 200;

const COLUMNS = ['id', 'path', 'category', 'label', 'title', 'url', 'split'] as const;

/** A manifest fault: `file`, `row` and the rule broken are in the message. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/**
 * Parses a manifest's text; `file` names it in errors and picks the syntax (`.jsonl` or
 * `.ndjson` is JSON Lines, anything else CSV).
 * @throws ManifestError naming the row and the rule
 */
export function parseManifest(text: string, file: string): ManifestRow[] {
  return readManifest(text, file).rows;
}

/**
 * Parses a manifest's text as {@link parseManifest} does, and also says which columns it
 * ignored (for the tools to print, so that a misspelt `categroy` does not go unnoticed).
 * @throws ManifestError naming the row and the rule
 */
export function readManifest(text: string, file: string): ManifestText {
  const records = /\.(jsonl|ndjson)$/i.test(file) ? jsonLines(text, file) : csvRecords(text, file);
  const ignored = new Set<string>();
  for (const [, fields] of records) {
    for (const name of Object.keys(fields)) {
      if (name !== '' && !(COLUMNS as readonly string[]).includes(name)) ignored.add(name);
    }
  }
  const rows = records.map(([row, fields]) => checkRow(fields, row, file));
  if (rows.length === 0) throw new ManifestError(`${file}: no items; a catalog needs at least one`);
  const seen = new Map<string, number>();
  for (const r of rows) {
    const first = seen.get(r.id);
    if (first !== undefined) {
      throw new ManifestError(
        `${file} row ${r.row}: id "${r.id}" repeats row ${first}; ids are unique`,
      );
    }
    seen.set(r.id, r.row);
  }
  return { rows, ignored: [...ignored] };
}

/**
 * The split of a row: its `split` column, or else the first folder of its path
 * (`train/dress/a.jpg` is in `train`), or undefined for a path without a folder.
 */
export function splitOf(row: ManifestRow): string | undefined {
  if (row.split !== undefined) return row.split;
  const parts = row.path.split(/[\\/]/);
  return parts.length > 1 ? parts[0] : undefined;
}

/**
 * The rows of the named splits (see {@link splitOf}), in manifest order. Each split named must
 * hold at least one row.
 * @throws ManifestError naming the empty split and listing the splits the manifest has
 */
export function selectSplit(
  rows: ManifestRow[],
  splits: readonly string[],
  file: string,
): ManifestRow[] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const split = splitOf(r);
    if (split !== undefined) counts.set(split, (counts.get(split) ?? 0) + 1);
  }
  const missing = splits.find((s) => !counts.has(s));
  if (missing !== undefined) {
    const known = [...counts].sort(([a], [b]) => a.localeCompare(b));
    const list = known.map(([name, n]) => `${name} (${n})`).join(', ') || 'none';
    throw new ManifestError(
      `${file}: no row is in split "${missing}"; a row's split is its split column, or the ` +
        `first folder of its path. Splits here: ${list}`,
    );
  }
  return rows.filter((r) => splits.includes(splitOf(r) ?? ''));
}

/** The id derived from an image path when the row has none: `shirts/a b.jpg` → `shirts-a-b`. */
export function idFromPath(path: string): string {
  const stem = path.slice(0, path.length - extname(path).length);
  return stem
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
}

type Fields = Record<string, unknown>;

function checkRow(fields: Fields, row: number, file: string): ManifestRow {
  const at = `${file} row ${row}`;
  const text = (name: string): string | undefined => {
    const v = fields[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new ManifestError(`${at}: ${name} must be a string`);
    return v.trim() === '' ? undefined : v.trim();
  };
  const rawPath = text('path');
  if (rawPath === undefined)
    throw new ManifestError(`${at}: path is empty; every row names its image`);
  const path = normalize(rawPath);
  if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) {
    throw new ManifestError(
      `${at}: path "${rawPath}" leaves the catalog folder; use a relative path`,
    );
  }
  const id = text('id') ?? idFromPath(path);
  if (!ID_PATTERN.test(id)) {
    throw new ManifestError(
      `${at}: id "${id.slice(0, 140)}" is not 1–128 characters of letters, digits, ".", "_" ` +
        'or "-" starting with a letter or digit',
    );
  }
  if (text('category') !== undefined && text('label') !== undefined) {
    throw new ManifestError(`${at}: both category and label; label is an alias, keep one`);
  }
  const category = text('category') ?? text('label');
  if (category !== undefined && category.length > MAX_CATEGORY_CHARS) {
    throw new ManifestError(`${at}: category has ${category.length} characters, the limit is 64`);
  }
  const title = text('title');
  if (title !== undefined && title.length > MAX_TITLE_CHARS) {
    throw new ManifestError(`${at}: title has ${title.length} characters, the limit is 200`);
  }
  const url = text('url');
  if (url !== undefined && !/^(https?:\/\/|\/)/.test(url)) {
    throw new ManifestError(`${at}: url "${url.slice(0, 80)}" must start with http(s):// or /`);
  }
  const split = text('split');
  return { id, path, category, title, url, split, row };
}

function jsonLines(text: string, file: string): Array<[number, Fields]> {
  const out: Array<[number, Fields]> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ManifestError(
        `${file} row ${i + 1}: not valid JSON; JSON Lines has one object a line`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ManifestError(`${file} row ${i + 1}: a line must be a JSON object`);
    }
    out.push([i + 1, value as Fields]);
  });
  return out;
}

function csvRecords(text: string, file: string): Array<[number, Fields]> {
  const lines = splitCsv(text.replace(/^\uFEFF/, ''), file);
  if (lines.length === 0)
    throw new ManifestError(`${file}: empty; the first row names the columns`);
  const [headerRow, header] = lines[0];
  const names = header.map((h) => h.trim().toLowerCase());
  const repeated = names.find((n, i) => n !== '' && names.indexOf(n) !== i);
  if (repeated !== undefined) {
    throw new ManifestError(`${file} row ${headerRow}: column "${repeated}" appears twice`);
  }
  if (!names.includes('path')) {
    throw new ManifestError(`${file} row ${headerRow}: no "path" column; it names each image`);
  }
  return lines.slice(1).flatMap(([row, cells]) => {
    if (cells.length === 1 && cells[0].trim() === '') return [];
    if (cells.length !== names.length) {
      throw new ManifestError(
        `${file} row ${row}: ${cells.length} fields, the header has ${names.length}`,
      );
    }
    return [[row, Object.fromEntries(names.map((n, i) => [n, cells[i]]))] as [number, Fields]];
  });
}

/** RFC 4180 CSV: comma-separated, fields may be double-quoted ("" escapes a quote). */
function splitCsv(text: string, file: string): Array<[number, string[]]> {
  const rows: Array<[number, string[]]> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowStart = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push([rowStart, cells]);
      cells = [];
      cell = '';
      rowStart = ++line;
    } else cell += ch;
  }
  if (quoted) throw new ManifestError(`${file} row ${rowStart}: a quoted field is not closed`);
  if (cell !== '' || cells.length > 0) rows.push([rowStart, [...cells, cell]]);
  return rows;
}
