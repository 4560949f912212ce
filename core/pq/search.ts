/**
 * Search over an index: ADC distance tables, a bounded top-k, IVF probing, re-rank from the
 * re-rank store, a category filter and "more like this item". Runs in Node and in Workers.
 */
import { NO_CATEGORY, type IndexData, type IndexHeader, type ItemMetadata } from './index-data.ts';
import { nearestLists } from './ivf.ts';
import { multiplyRows } from './linalg.ts';
import { pqParams, type PqParams } from './params.ts';
import { addDecoded, distanceTable, type ProductQuantizer } from './product-quantizer.ts';
import {
  reconstructRefined,
  refineBytesPerItem,
  residualQuantizer,
  storesWholeVectors,
} from './refine.ts';
import { referenceKernel, type CodeScanner, type ScanKernel } from './scan.ts';
import { TopK } from './topk.ts';

/** One result. `score` is the cosine similarity, 1 − ‖q − x‖² / 2 for unit vectors. */
export interface Hit {
  ordinal: number;
  id: string;
  score: number;
}

/** Options of {@link SimilarityIndex.search}. */
export interface SearchOptions {
  /** IVF lists scanned (default min(nlist, DEFAULT_NPROBE)); ignored by a flat index. */
  nprobe?: number;
  /**
   * ADC candidates re-ranked by the re-rank store (default 10·k when the index has a store,
   * else 0); 0 keeps the ADC order and scores. With an approximate scan (4-bit fast scan),
   * this many candidates (at least k) are re-scored by exact ADC even without a store.
   */
  rerank?: number;
  /** Only items of this category. */
  category?: string;
}

/** Default IVF lists probed per query. */
export const DEFAULT_NPROBE = 8;
/** Default re-rank candidates per result wanted. */
export const DEFAULT_RERANK_PER_RESULT = 10;

/** Options of the {@link SimilarityIndex} constructor. */
export interface IndexOptions {
  /** Scan kernel (default the plain JavaScript reference; see createWasmKernel). */
  kernel?: ScanKernel;
}

/** A searchable index. Build one with buildIndex or read one with readIndex. */
export class SimilarityIndex {
  readonly header: IndexHeader;
  private readonly pq: ProductQuantizer;
  private readonly params: PqParams;
  private readonly scanner: CodeScanner;
  private readonly residualPq?: ProductQuantizer;
  private readonly ordinals: Map<string, number>;
  private readonly table: Float32Array;
  /** Scratch space of re-ranking: one vector (size d) and one unpacked code (size M). */
  private readonly scratch: Float32Array;
  private readonly idx: Uint8Array;

  /** Wraps `data`; the codes are bound to `options.kernel` once, here. */
  constructor(
    readonly data: IndexData,
    options: IndexOptions = {},
  ) {
    const { header } = data;
    this.header = header;
    this.params = pqParams(header.d, header.M, header.nbits);
    this.pq = { params: this.params, centroids: data.centroids };
    this.scanner = (options.kernel ?? referenceKernel).bind(data.codes, this.params);
    if (data.refine?.kind === 'pq') this.residualPq = residualQuantizer(data.refine, header.d);
    this.ordinals = new Map(data.items.ids.map((id, i) => [id, i]));
    this.table = new Float32Array(this.params.M * this.params.ksub);
    this.scratch = new Float32Array(this.params.d);
    this.idx = new Uint8Array(this.params.M);
  }

  /** Bytes stored per item: PQ code plus re-rank store (ids, metadata and lists excluded). */
  get bytesPerItem(): number {
    const { header } = this;
    return this.params.codeSize + refineBytesPerItem(header.refine, header.d, header.refineM);
  }

  /** Distinct category names of the items, in storage order of first use. */
  get categories(): readonly string[] {
    return this.data.items.categoryNames;
  }

  /** Id and metadata of the item at `ordinal` (0 ≤ ordinal < count). */
  item(ordinal: number): { id: string } & ItemMetadata {
    const { items } = this.data;
    const id = items.ids[ordinal];
    if (id === undefined)
      throw new RangeError(`ordinal=${ordinal} is not in [0, ${this.header.count})`);
    const out: { id: string } & ItemMetadata = { id };
    const cat = items.categoryOf?.[ordinal];
    if (cat !== undefined && cat !== NO_CATEGORY) out.category = items.categoryNames[cat];
    if (items.titles?.[ordinal]) out.title = items.titles[ordinal];
    if (items.imageUrls?.[ordinal]) out.imageUrl = items.imageUrls[ordinal];
    return out;
  }

  /** Ordinal of the item `id`, or undefined. */
  ordinalOf(id: string): number | undefined {
    return this.ordinals.get(id);
  }

  /**
   * The best stored approximation of item `ordinal`, in the index's (rotated) space:
   * Float32Array, size d. Without `withRefine`, the PQ (and IVF) reconstruction alone.
   */
  reconstruct(ordinal: number, withRefine = true): Float32Array {
    return this.reconstructInto(ordinal, withRefine, new Float32Array(this.header.d));
  }

  /** {@link reconstruct} into `out` (Float32Array, size d), without allocating. */
  private reconstructInto(ordinal: number, withRefine: boolean, out: Float32Array) {
    const { d, codeSize } = this.params;
    const { coarse, listOffsets, refine } = this.data;
    const useRefine = refine !== undefined && withRefine;
    if (useRefine && storesWholeVectors(refine)) {
      reconstructRefined(refine, d, ordinal, out);
      return out;
    }
    out.fill(0);
    addDecoded(this.pq, this.data.codes, ordinal * codeSize, out, this.idx);
    if (coarse && listOffsets) {
      const list = upperBound(listOffsets, ordinal) - 1;
      for (let t = 0; t < d; t++) out[t] += coarse[list * d + t];
    }
    if (useRefine) reconstructRefined(refine, d, ordinal, out, this.residualPq);
    return out;
  }

  /**
   * The k items nearest to `query` (Float32Array, size d, L2-normalised), best first.
   * Throws a RangeError on a query of the wrong length or a k that is not a positive integer.
   */
  search(query: Float32Array, k: number, options: SearchOptions = {}): Hit[] {
    const { d } = this.header;
    if (query.length !== d) throw new RangeError(`query has ${query.length} floats, d=${d}`);
    const rotated = this.data.rotation ? multiplyRows(query, 1, this.data.rotation, d) : query;
    return this.searchRotated(rotated, k, options, -1);
  }

  /** "More like this": the k items nearest to item `id`, the item itself excluded. */
  searchById(id: string, k: number, options: SearchOptions = {}): Hit[] {
    const ordinal = this.ordinals.get(id);
    if (ordinal === undefined) throw new RangeError(`id='${id}' is not in the index`);
    return this.searchRotated(this.reconstruct(ordinal), k, options, ordinal);
  }

  private searchRotated(
    q: Float32Array,
    k: number,
    options: SearchOptions,
    exclude: number,
  ): Hit[] {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k=${k} must be a positive integer`);
    const { items, refine } = this.data;
    let category = -1;
    if (options.category !== undefined) {
      category = items.categoryNames.indexOf(options.category);
      if (category < 0 || !items.categoryOf) return [];
    }
    const wanted = options.rerank ?? DEFAULT_RERANK_PER_RESULT * k;
    // An approximate scan (4-bit fast scan) always has its candidates re-scored exactly.
    const exact = this.scanner.exact !== false;
    const useRefine = refine !== undefined && wanted > 0;
    const rerank = useRefine ? wanted : exact ? 0 : Math.max(wanted, k);
    const top = new TopK(Math.max(k, rerank));
    const filter = { top, exclude, category, categoryOf: items.categoryOf };
    const { coarse, listOffsets } = this.data;
    if (coarse && listOffsets) {
      const nprobe = options.nprobe ?? Math.min(this.header.nlist, DEFAULT_NPROBE);
      this.scanLists(q, nprobe, filter);
    } else {
      distanceTable(this.pq, q, this.table);
      collect(this.scanner.scan(this.table, 0, this.header.count), 0, filter);
    }
    let found = top.sorted();
    if (rerank > 0) found = this.rerank(q, found, useRefine).slice(0, k);
    return found.slice(0, k).map(({ ordinal, distance }) => ({
      ordinal,
      id: items.ids[ordinal],
      score: 1 - distance / 2,
    }));
  }

  private scanLists(q: Float32Array, nprobe: number, filter: Filter): void {
    const { d, nlist } = this.header;
    const coarse = this.data.coarse as Float32Array;
    const offsets = this.data.listOffsets as Uint32Array;
    if (!Number.isInteger(nprobe) || nprobe < 1) {
      throw new RangeError(`nprobe=${nprobe} must be a positive integer`);
    }
    const residual = new Float32Array(d);
    for (const list of nearestLists(q, coarse, nlist, d, nprobe)) {
      const start = offsets[list];
      const end = offsets[list + 1];
      if (start === end) continue;
      for (let t = 0; t < d; t++) residual[t] = q[t] - coarse[list * d + t];
      distanceTable(this.pq, residual, this.table);
      collect(this.scanner.scan(this.table, start, end), start, filter);
    }
  }

  private rerank(
    q: Float32Array,
    found: { ordinal: number; distance: number }[],
    withRefine: boolean,
  ) {
    const { d } = this.header;
    return found
      .map(({ ordinal }) => {
        const x = this.reconstructInto(ordinal, withRefine, this.scratch);
        let s = 0;
        for (let t = 0; t < d; t++) s += (q[t] - x[t]) ** 2;
        return { ordinal, distance: s };
      })
      .sort((a, b) => a.distance - b.distance || a.ordinal - b.ordinal);
  }
}

interface Filter {
  top: TopK;
  exclude: number;
  category: number;
  categoryOf?: Uint16Array;
}

/** Offers the distances of ordinals [start, start + dist.length) to the top-k. */
function collect(dist: Float32Array, start: number, f: Filter): void {
  const { top, exclude, category, categoryOf } = f;
  let threshold = top.threshold;
  for (let i = 0; i < dist.length; i++) {
    const v = dist[i];
    if (v >= threshold) continue;
    const ordinal = start + i;
    if (ordinal === exclude) continue;
    if (category >= 0 && (categoryOf as Uint16Array)[ordinal] !== category) continue;
    top.push(v, ordinal);
    threshold = top.threshold;
  }
}

/** First index i with offsets[i] > value (offsets sorted ascending). */
function upperBound(offsets: Uint32Array, value: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
