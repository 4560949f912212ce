/**
 * The catalog an isolate serves. The first request loads the configured version (pinned, or
 * named by `current.json`); afterwards, at most once per refresh interval, a request checks the
 * pointer in the background and loads a new version beside the old one. The new version is
 * swapped in only when it loaded and passed every check; a broken one is logged, remembered and
 * refused while the last good version keeps serving. One request sees one version throughout,
 * so model and index never mix.
 */
import { logEvent } from '../log.ts';
import { type ArtifactSource } from './source.ts';
import {
  CatalogError,
  loadCatalog,
  readVersionPointer,
  type CatalogParsers,
  type LoadedCatalog,
} from './load.ts';

/** Wait after a failed first load before the next request tries again, in ms. */
export const RETRY_AFTER_FAILURE_MS = 2000;

/** Where and how often to look for catalog versions. */
export interface CatalogStoreOptions {
  source: ArtifactSource;
  prefix: string;
  /** A pinned version; undefined follows the pointer. */
  pinnedVersion: string | undefined;
  refreshIntervalMs: number;
  parsers: CatalogParsers;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

/** Why the catalog cannot serve yet. */
export class CatalogUnavailableError extends Error {
  override readonly name = 'CatalogUnavailableError';
}

/** Holds the serving catalog of one isolate; see the module comment. */
export class CatalogStore {
  private active: LoadedCatalog | undefined;
  private loading: Promise<LoadedCatalog> | undefined;
  private lastFailure: { at: number; message: string } | undefined;
  private checkedAt = 0;
  private refreshing: Promise<void> | undefined;
  private readonly rejected = new Set<string>();
  private readonly now: () => number;

  /** @param options source, prefix, pinned version, refresh interval and parsers */
  constructor(private readonly options: CatalogStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The path prefix of the catalog's files (`CATALOG_PREFIX`, or a named catalog's). */
  get prefix(): string {
    return this.options.prefix;
  }

  /** The version being served, if any. */
  get version(): string | undefined {
    return this.active?.version;
  }

  /** Versions refused since the isolate started. */
  get rejectedVersions(): string[] {
    return [...this.rejected];
  }

  /**
   * The serving catalog, loading it on first use. `waitUntil` receives the background refresh.
   * @throws CatalogUnavailableError while no version could be loaded
   */
  async current(waitUntil?: (p: Promise<unknown>) => void): Promise<LoadedCatalog> {
    if (this.active) {
      const refresh = this.maybeRefresh();
      if (refresh && waitUntil) waitUntil(refresh);
      return this.active;
    }
    if (!this.loading) {
      const failure = this.lastFailure;
      if (failure && this.now() - failure.at < RETRY_AFTER_FAILURE_MS) {
        throw new CatalogUnavailableError(failure.message);
      }
      this.loading = this.loadFirst();
    }
    return this.loading;
  }

  private async loadFirst(): Promise<LoadedCatalog> {
    try {
      const version = await this.targetVersion();
      const loaded = await this.load(version, false);
      this.active = loaded;
      this.checkedAt = this.now();
      return loaded;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.lastFailure = { at: this.now(), message };
      logEvent('error', 'catalog_unavailable', { source: this.options.source.kind, message });
      throw new CatalogUnavailableError(message);
    } finally {
      this.loading = undefined;
    }
  }

  /** Starts a pointer check when the interval has passed; returns it, or undefined. */
  private maybeRefresh(): Promise<void> | undefined {
    if (this.options.pinnedVersion !== undefined || this.refreshing) return undefined;
    if (this.now() - this.checkedAt < this.options.refreshIntervalMs) return undefined;
    this.checkedAt = this.now();
    this.refreshing = this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Checks the pointer now and swaps in a new version if it loads; never throws. */
  async refresh(): Promise<void> {
    const from = this.active?.version;
    let version: string | undefined;
    try {
      version = await this.targetVersion();
      if (version === from || this.rejected.has(version)) return;
      const loaded = await this.load(version, true);
      this.active = loaded;
      logEvent('info', 'catalog_swapped', { from, to: version, loadMs: loaded.loadMs });
    } catch (err) {
      if (version !== undefined && err instanceof CatalogError) this.rejected.add(version);
      const message = err instanceof Error ? err.message : String(err);
      logEvent('error', 'catalog_refused', { serving: from, candidate: version, message });
    }
  }

  private targetVersion(): Promise<string> {
    const { pinnedVersion, source, prefix } = this.options;
    return pinnedVersion !== undefined
      ? Promise.resolve(pinnedVersion)
      : readVersionPointer(source, prefix);
  }

  private async load(version: string, eagerModel: boolean): Promise<LoadedCatalog> {
    const { source, prefix, parsers } = this.options;
    const loaded = await loadCatalog(source, prefix, version, parsers, { eagerModel });
    logEvent('info', 'catalog_loaded', {
      source: source.kind,
      version,
      count: loaded.index.header.count,
      readMs: loaded.readMs,
      loadMs: loaded.loadMs,
    });
    return loaded;
  }
}
