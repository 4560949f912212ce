import { describe, expect, it } from 'vitest';
import {
  idFromPath,
  ManifestError,
  parseManifest,
  readManifest,
  selectSplit,
} from '../../trainer/catalog/manifest.ts';

describe('custom catalog manifest', () => {
  it('reads a CSV with quoted fields and derives missing ids from paths', () => {
    const text =
      'id,path,category,title\n' +
      'dress-1,img/dress-1.jpg,dress,"Red dress, ""summer"""\n' +
      ',shoes/a b.png,shoes,\n';
    const rows = parseManifest(text, 'manifest.csv');
    expect(rows).toEqual([
      {
        id: 'dress-1',
        path: 'img/dress-1.jpg',
        category: 'dress',
        title: 'Red dress, "summer"',
        url: undefined,
        split: undefined,
        row: 2,
      },
      {
        id: 'shoes-a-b',
        path: 'shoes/a b.png',
        category: 'shoes',
        title: undefined,
        url: undefined,
        split: undefined,
        row: 3,
      },
    ]);
  });

  it('reads JSON Lines, skipping blank lines', () => {
    const text =
      '{"id":"a","path":"a.webp"}\n\n{"path":"b.jpeg","url":"https://cdn.example/b.jpg"}\n';
    const rows = parseManifest(text, 'items.jsonl');
    expect(rows.map((r) => [r.id, r.row, r.url])).toEqual([
      ['a', 1, undefined],
      ['b', 3, 'https://cdn.example/b.jpg'],
    ]);
  });

  it.each([
    ['id,path\na,a.jpg\na,b.jpg\n', /row 3: id "a" repeats row 2/],
    ['id,path\n"a b",a.jpg\n', /row 2: id "a b" is not 1–128 characters/],
    ['id,path\nx,../secret.jpg\n', /row 2: path "\.\.\/secret\.jpg" leaves the catalog folder/],
    ['id,path,path\nx,a.jpg,b.jpg\n', /row 1: column "path" appears twice/],
    ['path,category,label\na.jpg,dress,skirt\n', /row 2: both category and label/],
    ['id,category\nx,dress\n', /row 1: no "path" column/],
    ['id,path\nx,a.jpg,extra\n', /row 2: 3 fields, the header has 2/],
    ['id,path\nx,"a.jpg\n', /row 2: a quoted field is not closed/],
    ['id,path\n', /no items/],
  ])('refuses %j naming the row and the rule', (text, message) => {
    expect(() => parseManifest(text, 'm.csv')).toThrow(ManifestError);
    expect(() => parseManifest(text, 'm.csv')).toThrow(message);
  });

  it('refuses a JSON Lines row that is not an object', () => {
    expect(() => parseManifest('{"path":"a.jpg"}\n[1]\n', 'm.jsonl')).toThrow(/m\.jsonl row 2/);
  });

  it('reads a data set manifest as it is: label as category, other columns ignored', () => {
    // The header and a row of ../shared/data/clothing-dataset-small/manifest.csv.
    const text =
      'path,split,label,bytes,width,height,sha256\n' +
      'test/dress/06a0.jpg,test,dress,34678,400,711,fd659f97\n';
    const { rows, ignored } = readManifest(text, 'manifest.csv');
    expect(rows).toEqual([
      expect.objectContaining({ id: 'test-dress-06a0', category: 'dress', split: 'test' }),
    ]);
    expect(ignored).toEqual(['bytes', 'width', 'height', 'sha256']);
    const jsonl = readManifest('{"path":"a.jpg","label":"hat","price":3}\n', 'm.jsonl');
    expect([jsonl.rows[0].category, jsonl.ignored]).toEqual(['hat', ['price']]);
  });

  it('selects splits by the split column, or else by the first folder of each path', () => {
    const byColumn = parseManifest('path,split\na.jpg,train\nb.jpg,test\nc.jpg,train\n', 'm.csv');
    expect(selectSplit(byColumn, ['train'], 'm.csv').map((r) => r.path)).toEqual([
      'a.jpg',
      'c.jpg',
    ]);
    const byFolder = parseManifest('path\ntrain/a.jpg\ntest/b.jpg\nvalidation/c.jpg\n', 'm.csv');
    const picked = selectSplit(byFolder, ['test', 'validation'], 'm.csv');
    expect(picked.map((r) => r.path)).toEqual(['test/b.jpg', 'validation/c.jpg']);
    expect(() => selectSplit(byFolder, ['tset'], 'm.csv')).toThrow(
      'm.csv: no row is in split "tset"; a row\'s split is its split column, or the first ' +
        'folder of its path. Splits here: test (1), train (1), validation (1)',
    );
  });

  it('derives ids that start with a letter or digit', () => {
    expect(idFromPath('__x/Y z.jpg')).toBe('x-Y-z');
  });
});
