/**
 * Artifact sources: where the worker reads the catalog's files. Static assets (the `ASSETS`
 * binding, at most 25 MiB a file) by default; an R2 bucket for catalogs that do not fit.
 */

/** Reads one file of the catalog by its path (no leading slash); null when it is missing. */
export interface ArtifactSource {
  /** Name for logs and errors: `assets` or `r2`. */
  kind: string;
  get(path: string): Promise<Uint8Array | null>;
}

/** Host of the synthetic URLs used to fetch from the assets binding. */
const ASSETS_ORIGIN = 'https://assets.invalid';

/** Files from the static assets directory, through the `ASSETS` fetcher binding. */
export function assetsSource(assets: Fetcher): ArtifactSource {
  return {
    kind: 'assets',
    async get(path) {
      const response = await assets.fetch(new Request(`${ASSETS_ORIGIN}/${path}`));
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`assets answered ${response.status} for ${path}`);
      }
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

/** Objects of an R2 bucket, keyed by path. */
export function r2Source(bucket: R2Bucket): ArtifactSource {
  return {
    kind: 'r2',
    async get(path) {
      const object = await bucket.get(path);
      return object === null ? null : new Uint8Array(await object.arrayBuffer());
    },
  };
}

/** Files held in memory, keyed by path: for tests and for tools that build a catalog. */
export function memorySource(files: ReadonlyMap<string, Uint8Array>): ArtifactSource {
  return {
    kind: 'memory',
    async get(path) {
      return files.get(path) ?? null;
    },
  };
}
