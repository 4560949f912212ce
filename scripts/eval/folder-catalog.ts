/**
 * Neighbour quality on a catalog folder (the clothing photos, or a shop's own labelled sample):
 * the images of the query split (default `test`) search those of the base split (default
 * `train`, the split the catalog indexes), and precision@k is the share of a query's k nearest
 * neighbours (cosine) whose manifest category equals its own. Side by side, at the model's input
 * resolution: raw pixels, PCA to d fitted on the base split, the int8 ONNX embedding searched
 * exactly, and the same embedding through the PQ index built as `npm run index` builds it.
 * Categories are read here, to judge, and never by training.
 *
 * Needs an active TensorFlow.js backend (the exact search and PCA run on it).
 */
import { readFileSync } from 'node:fs';
import { buildIndex } from '../../core/index/index.ts';
import { inputChw, loadModel, type OnnxEncoder } from '../../core/model/index.ts';
import { indexOptionsFor } from '../../trainer/catalog/build.ts';
import { readManifest } from '../../trainer/catalog/manifest.ts';
import {
  loadFolderImages,
  locateManifest,
  type FolderImageSet,
} from '../../trainer/data/folder-images.ts';
import { toNchw } from '../../trainer/export/export-run.ts';
import { readModelDir } from '../../trainer/export/model-dir.ts';
import { initNodeRuntime } from '../../trainer/export/ort-node.ts';
import { exactKnn, l2Normalize } from './knn.ts';
import { precisionAtK, relevance } from './metrics.ts';
import { fitPca, projectPca } from './pca.ts';

/** Mean precision@atK of neighbour lists of length k (size nq·k), by category equality. */
function labelPrecision(
  found: Int32Array,
  k: number,
  queryLabels: Uint8Array,
  baseLabels: Uint8Array,
  atK = k,
): number {
  return precisionAtK(relevance(found, k, queryLabels, baseLabels), k, atK);
}

/** The mean share of each query's exact top k (size nq·k) found in `candidate` (size nq·k). */
function recallAtK(exact: Int32Array, candidate: Int32Array, k: number): number {
  let found = 0;
  for (let q = 0; q < exact.length / k; q++) {
    const want = new Set(exact.subarray(q * k, (q + 1) * k));
    for (let j = 0; j < k; j++) if (want.has(candidate[q * k + j])) found++;
  }
  return found / exact.length;
}

/** Options of {@link evaluateFolderCatalog}. */
export interface FolderEvalOptions {
  /** The catalog folder. */
  catalog: string;
  /** Its manifest (default: searched in the folder, as `npm run index` does). */
  manifest?: string;
  /** Exported model directory (manifest.json + encoder.int8.onnx). */
  model: string;
  /** Splits searched (the catalog), default `['train']`. */
  base?: string[];
  /** Splits whose images are the queries, default `['test']`. */
  queries?: string[];
  /** Neighbours judged per query. */
  k: number;
  /** One line per phase. */
  log?: (line: string) => void;
}

/** One representation's figures. */
export interface EvalRow {
  name: string;
  d: number;
  /** Bytes stored per item, as text ("16 + 128" for PQ codes plus a re-rank store). */
  bytesPerItem: string;
  precisionAt1: number;
  precisionAtK: number;
  /** Precision@k by the query's category, in the order of {@link FolderEvalResult.categories}. */
  byCategory: number[];
  /** How it was searched: exact, or the index's recall against exact search. */
  search: string;
}

/** What {@link evaluateFolderCatalog} measured. */
export interface FolderEvalResult {
  k: number;
  base: { splits: string[]; count: number; skipped: number };
  queries: { splits: string[]; count: number; skipped: number };
  /** The model's input: C, H, W. */
  chw: [number, number, number];
  modelSha256: string;
  categories: string[];
  /** Queries per category, same order. */
  queriesPerCategory: number[];
  rows: EvalRow[];
}

/** Category ids (by first appearance in `names`) of each set's images. */
function categoryIds(sets: FolderImageSet[], byPath: Map<string, string>, names: string[]) {
  return sets.map((set) =>
    Uint8Array.from(set.paths, (path) => {
      const name = byPath.get(path);
      if (name === undefined) throw new Error(`${path}: no category in the manifest`);
      let id = names.indexOf(name);
      if (id < 0) id = names.push(name) - 1;
      return id;
    }),
  );
}

async function embed(encoder: OnnxEncoder, set: FolderImageSet): Promise<Float32Array> {
  const size = set.height * set.width * set.channels;
  const out = new Float32Array(set.count * encoder.d);
  for (let at = 0; at < set.count; at += 256) {
    const n = Math.min(256, set.count - at);
    const nhwc = set.pixels.subarray(at * size, (at + n) * size);
    const nchw = toNchw(nhwc, n, [set.height, set.width, set.channels]);
    out.set(await encoder.embed(nchw, n), at * encoder.d);
  }
  return out;
}

/** Runs the evaluation; see the module comment. */
export async function evaluateFolderCatalog(o: FolderEvalOptions): Promise<FolderEvalResult> {
  const log = o.log ?? (() => {});
  const { k } = o;
  const baseSplits = o.base ?? ['train'];
  const querySplits = o.queries ?? ['test'];
  const manifestPath = locateManifest(o.catalog, o.manifest);
  const { manifest, bytes } = readModelDir(o.model, 'int8');
  const chw = inputChw(manifest);
  const [, size] = chw;
  log(`reading the ${baseSplits.join('+')} and ${querySplits.join('+')} images at ${size} px`);
  const read = (split: string[]) => loadFolderImages(o.catalog, manifestPath, { split, size });
  const base = await read(baseSplits);
  const queries = await read(querySplits);
  const { rows } = readManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const byPath = new Map(rows.flatMap((r) => (r.category ? [[r.path, r.category]] : [])));
  const categories: string[] = [];
  const [baseLabels, queryLabels] = categoryIds([base, queries], byPath, categories);

  const result: EvalRow[] = [];
  type Described = Omit<EvalRow, 'precisionAt1' | 'precisionAtK' | 'byCategory'>;
  const report = (row: Described, found: Int32Array) => {
    const byCategory = categories.map((_, c) => {
      const mine = [...queryLabels.keys()].filter((q) => queryLabels[q] === c);
      const picked = new Int32Array(mine.flatMap((q) => [...found.subarray(q * k, (q + 1) * k)]));
      return labelPrecision(
        picked,
        k,
        Uint8Array.from(mine, () => c),
        baseLabels,
      );
    });
    const full = {
      ...row,
      precisionAt1: labelPrecision(found, k, queryLabels, baseLabels, 1),
      precisionAtK: labelPrecision(found, k, queryLabels, baseLabels),
      byCategory,
    };
    log(`${row.name}: precision@${k} ${full.precisionAtK.toFixed(4)}`);
    result.push(full);
  };

  const D = base.height * base.width * base.channels;
  const pixelsBase = l2Normalize(base.pixels, D);
  const pixelsQueries = l2Normalize(queries.pixels, D);
  const pixelsFound = exactKnn(pixelsQueries, pixelsBase, D, k, 'cosine');
  report({ name: 'raw pixels', d: D, bytesPerItem: String(4 * D), search: 'exact' }, pixelsFound);

  const d = manifest.d;
  log(`PCA to d=${d}, fitted on the ${base.count} base images`);
  const pca = fitPca(base.pixels, D, d);
  const pcaBase = l2Normalize(projectPca(pca, base.pixels), d);
  const pcaQueries = l2Normalize(projectPca(pca, queries.pixels), d);
  const pcaFound = exactKnn(pcaQueries, pcaBase, d, k, 'cosine');
  report({ name: 'PCA of pixels', d, bytesPerItem: String(4 * d), search: 'exact' }, pcaFound);

  log('embedding with the int8 ONNX encoder');
  const encoder = await loadModel(initNodeRuntime(), manifest, bytes, 'int8');
  const ourBase = await embed(encoder, base);
  const ourQueries = await embed(encoder, queries);
  await encoder.release();
  const exact = exactKnn(ourQueries, ourBase, d, k, 'cosine');
  report(
    { name: 'our embedding (int8 ONNX)', d, bytesPerItem: String(4 * d), search: 'exact' },
    exact,
  );

  const options = indexOptionsFor(base.count);
  const index = buildIndex(
    ourBase,
    base.paths.map((_, i) => String(i)),
    options,
  );
  const found = new Int32Array(queries.count * k);
  for (let q = 0; q < queries.count; q++) {
    const hits = index.search(ourQueries.subarray(q * d, (q + 1) * d), k);
    hits.forEach((hit, j) => (found[q * k + j] = hit.ordinal));
  }
  const refineBytes = options.refine === 'float16' ? 2 * d : d;
  report(
    {
      name: `our embedding, served index (PQ M=${options.M}, ${options.refine} re-rank)`,
      d,
      bytesPerItem: `${options.M} + ${refineBytes}`,
      search: `recall@${k} vs exact ${recallAtK(exact, found, k).toFixed(4)}`,
    },
    found,
  );
  const perCategory = categories.map((_, c) => queryLabels.filter((l) => l === c).length);
  return {
    k,
    base: { splits: baseSplits, count: base.count, skipped: base.skipped.length },
    queries: { splits: querySplits, count: queries.count, skipped: queries.skipped.length },
    chw,
    modelSha256: manifest.files.int8.sha256,
    categories,
    queriesPerCategory: perCategory,
    rows: result,
  };
}
