/**
 * The index settings sweep of `npm run eval`: recall@10 against exact search on the same
 * embedding, precision@10 and ms per query of a few index settings, each searched with k = 10
 * (the API's default). Every setting is built with the catalog builder's options
 * (`indexOptionsFor`: sample size, k-means iterations, seed), changing only what it names.
 */
import {
  buildIndex,
  type BuildOptions,
  type ScanKernel,
  type SearchOptions,
  type SimilarityIndex,
  type IndexHeader,
} from '../../core/index/index.ts';
import { DEFAULT_RERANK_PER_RESULT } from '../../core/pq/search.ts';
import { precisionAtK, relevance } from './metrics.ts';
import { recallVsExact, searchAll, timeSearch } from './rows.ts';
import { RECALL_K, type SweepPoint } from './types.ts';

/** Coarse-quantizer lists of the IVF settings, as in `npm run bench -- index`. */
const IVF_NLIST = 256;
/** The sweep trains codebooks of 256 centroids and 256 lists: it needs this many items. */
export const SWEEP_MIN_CATALOG = 4096;

/** One index of the sweep and the searches run on it (one point each). */
interface SweepSetting {
  /** Group in the figure (default: the index's name, one group per index). */
  family?: string;
  /** Changes to the catalog builder's options; absent for the served index itself. */
  build?: BuildOptions;
  searches: { label: string; options: SearchOptions }[];
}

const SETTINGS: SweepSetting[] = [
  ...[8, 16, 32].map((M) => ({
    family: 'flat PQ',
    build: { M, refine: 'none' as const },
    searches: [{ label: '', options: {} }],
  })),
  {
    searches: [
      { label: 're-rank 20', options: { rerank: 20 } },
      { label: 're-rank 50', options: { rerank: 50 } },
      { label: `re-rank ${DEFAULT_RERANK_PER_RESULT * RECALL_K}`, options: {} },
    ],
  },
  {
    build: { nlist: IVF_NLIST },
    searches: [1, 4, 16, 64].map((nprobe) => ({ label: `nprobe ${nprobe}`, options: { nprobe } })),
  },
];

/** A setting's name from its header: 'PQ16', 'PQ16 + int8 re-rank', 'IVF256,PQ16 + …'. */
export function describeIndex(header: IndexHeader): string {
  const ivf = header.nlist > 0 ? `IVF${header.nlist},` : '';
  const opq = header.opq ? 'OPQ,' : '';
  const nbits = header.nbits === 8 ? '' : `x${header.nbits}`;
  const refine = header.refine === 'none' ? '' : ` + ${header.refine} re-rank`;
  return `${opq}${ivf}PQ${header.M}${nbits}${refine}`;
}

/** What every point is measured against. */
export interface SweepContext {
  /** The served index (built with `indexOptionsFor(count)` and the wasm kernel). */
  served: SimilarityIndex;
  /** The catalog builder's options for this catalog. */
  options: BuildOptions;
  kernel: ScanKernel;
  /** Float32Array, size count·d: the catalog vectors the served index holds. */
  catalog: Float32Array;
  queries: Float32Array;
  /** Exact lists on the same vectors (size nq·LIST_LENGTH). */
  exact: Int32Array;
  queryLabels: Uint8Array;
  catalogLabels: Uint8Array;
  /** Progress lines go here. */
  log: (line: string) => void;
}

/** Runs every setting; points in the order of SETTINGS. */
export function runSweep(ctx: SweepContext): SweepPoint[] {
  const points: SweepPoint[] = [];
  const ids = Array.from({ length: ctx.catalog.length / ctx.served.header.d }, (_, i) => `${i}`);
  for (const setting of SETTINGS) {
    let index = ctx.served;
    let buildSeconds = 0;
    if (setting.build) {
      ctx.log(`eval: building ${JSON.stringify(setting.build)} for the sweep`);
      const started = performance.now();
      index = buildIndex(ctx.catalog, ids, {
        ...ctx.options,
        ...setting.build,
        kernel: ctx.kernel,
      });
      buildSeconds = (performance.now() - started) / 1000;
    }
    const base = describeIndex(index.header);
    for (const { label, options } of setting.searches) {
      const name = label ? `${base}, ${label}` : base;
      points.push({
        ...measurePoint(index, options, ctx),
        name,
        family: setting.family ?? base,
        served: !setting.build && Object.keys(options).length === 0,
        buildSeconds,
      });
      buildSeconds = 0;
      ctx.log(`eval: sweep ${name}: ${JSON.stringify(points.at(-1))}`);
    }
  }
  return points;
}

function measurePoint(index: SimilarityIndex, options: SearchOptions, ctx: SweepContext) {
  const found = searchAll(index, ctx.queries, RECALL_K, options);
  const rel = relevance(found, RECALL_K, ctx.queryLabels, ctx.catalogLabels);
  return {
    bytesPerItem: index.bytesPerItem,
    recall: recallVsExact(found, RECALL_K, ctx.exact),
    precisionAt10: precisionAtK(rel, RECALL_K, RECALL_K),
    msPerQuery: timeSearch(index, ctx.queries, RECALL_K, options),
  };
}
