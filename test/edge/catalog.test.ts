/**
 * The catalog loader and store inside workerd: versions from static assets, R2 and memory;
 * broken versions refused while the last good one keeps serving. The model loader is a stub
 * that checks the manifest and reports the model's sha256 (the real one is exercised by
 * routes.test.ts); the index reader is the real one.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import scanWasm from '../../core/pq/scan.wasm';
import { createWasmKernel, readIndex } from '../../core/index/index.ts';
import { inputChw, parseModelManifest } from '../../core/model/manifest.ts';
import { createApp } from '../../edge/app.ts';
import { CatalogError, loadCatalog, type CatalogParsers } from '../../edge/catalog/load.ts';
import { versionPointer } from '../../edge/catalog/layout.ts';
import { CatalogManifestSchema } from '../../edge/catalog/manifest.ts';
import { assetsSource, memorySource, r2Source } from '../../edge/catalog/source.ts';
import { CatalogStore } from '../../edge/catalog/store.ts';
import { readConfig } from '../../edge/config.ts';
import { fixture, fixtureJson } from './helpers.ts';

const PREFIX = 'catalog';

const parsers: CatalogParsers = {
  readIndex: (bytes) => readIndex(bytes, { kernel: createWasmKernel(scanWasm) }),
  modelInput(json) {
    const [channels, height, width] = inputChw(parseModelManifest(json));
    return { channels: channels as 1 | 3, height, width, invert: true };
  },
  async loadModel(json) {
    const manifest = parseModelManifest(json);
    const [channels, height, width] = inputChw(manifest);
    const encoder = { d: manifest.d, embed: async () => new Float32Array(manifest.d) };
    const input = { channels: channels as 1 | 3, height, width, invert: true };
    return { encoder, input, sha256: manifest.files.int8.sha256 };
  },
};

/** Every file of one fixture version, by path. */
async function versionFiles(version: string): Promise<Map<string, Uint8Array>> {
  const base = `${PREFIX}/${version}`;
  const manifest = CatalogManifestSchema.parse(await fixtureJson(`${base}/catalog.json`));
  const paths = [
    'catalog.json',
    manifest.model.manifest,
    manifest.model.file,
    ...manifest.index.shards.map((s) => s.path),
  ];
  const files = new Map<string, Uint8Array>();
  for (const p of paths) files.set(`${base}/${p}`, await fixture(`${base}/${p}`));
  return files;
}

function storeOver(files: Map<string, Uint8Array>, clock = { ms: 0 }) {
  return new CatalogStore({
    source: memorySource(files),
    prefix: PREFIX,
    pinnedVersion: undefined,
    refreshIntervalMs: 60_000,
    parsers,
    now: () => clock.ms,
  });
}

describe('loadCatalog', () => {
  it('loads a version from static assets, its index in two shards', async () => {
    const catalog = await loadCatalog(assetsSource(env.ASSETS), PREFIX, 'v1', parsers);
    expect(catalog.manifest.index.shards).toHaveLength(2);
    expect(catalog.index.header.count).toBe(2000);
  });

  it('refuses a version with a corrupt shard, naming the shard', async () => {
    const load = loadCatalog(assetsSource(env.ASSETS), PREFIX, 'v-broken', parsers);
    await expect(load).rejects.toThrow(CatalogError);
    await expect(load).rejects.toThrow(/v-broken\/index\/001\.bin has sha256/);
  });

  it('refuses an index built for another model', async () => {
    const load = loadCatalog(assetsSource(env.ASSETS), PREFIX, 'v-mismatch', parsers);
    await expect(load).rejects.toThrow(/rebuild the index/);
  });

  it('refuses a missing version, naming the file', async () => {
    const load = loadCatalog(assetsSource(env.ASSETS), PREFIX, 'v9', parsers);
    await expect(load).rejects.toThrow(/catalog\/v9\/catalog\.json is missing from assets/);
  });

  it('loads a version from R2', async () => {
    for (const [path, bytes] of await versionFiles('v1')) await env.CATALOG.put(path, bytes);
    const catalog = await loadCatalog(r2Source(env.CATALOG), PREFIX, 'v1', parsers);
    expect(catalog.version).toBe('v1');
  });
});

describe('CatalogStore', () => {
  it('keeps serving the last good version when the pointer names a broken one', async () => {
    const files = new Map([...(await versionFiles('v1')), ...(await versionFiles('v-broken'))]);
    files.set(...versionPointer(PREFIX, 'v1'));
    const store = storeOver(files);
    expect((await store.current()).version).toBe('v1');

    files.set(...versionPointer(PREFIX, 'v-broken'));
    await store.refresh();
    expect((await store.current()).version).toBe('v1');
    expect(store.rejectedVersions).toEqual(['v-broken']);
  });

  it('swaps to a new good version after the refresh interval, in the background', async () => {
    const files = new Map([...(await versionFiles('v1')), ...(await versionFiles('v2'))]);
    files.set(...versionPointer(PREFIX, 'v1'));
    const clock = { ms: 0 };
    const store = storeOver(files, clock);
    await store.current();
    files.set(...versionPointer(PREFIX, 'v2'));

    const background: Promise<unknown>[] = [];
    clock.ms = 30_000;
    expect((await store.current((p) => background.push(p))).version).toBe('v1');
    expect(background).toHaveLength(0);
    clock.ms = 61_000;
    expect((await store.current((p) => background.push(p))).version).toBe('v1');
    await Promise.all(background);
    expect((await store.current()).version).toBe('v2');
  });

  it('serves the index while a broken model answers image searches with 503', async () => {
    const files = await versionFiles('v1');
    files.set(...versionPointer(PREFIX, 'v1'));
    const failing = { ...parsers, loadModel: () => Promise.reject(new Error('corrupt model')) };
    const store = new CatalogStore({
      source: memorySource(files),
      prefix: PREFIX,
      pinnedVersion: undefined,
      refreshIntervalMs: 60_000,
      parsers: failing,
    });
    const app = createApp({
      config: readConfig({}),
      store,
      source: memorySource(new Map()),
      decoder: () => Promise.reject(new Error('unused')),
      cache: async () => undefined,
    });
    expect((await app.request('/v1/items/test-00001/similar?k=2')).status).toBe(200);
    const init = { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'x' };
    const res = await app.request('/v1/search/image', init);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'service_unavailable' } });
  });

  it('answers 503 service_unavailable while no version loads', async () => {
    const store = storeOver(new Map());
    const app = createApp({
      config: readConfig({}),
      store,
      source: memorySource(new Map()),
      decoder: () => Promise.reject(new Error('unused')),
      cache: async () => undefined,
    });
    const res = await app.request('/healthz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('service_unavailable');
    expect(body.error.message).toMatch(/catalog\/current\.json is missing/);
  });
});

describe('readConfig', () => {
  it('reads the variables of wrangler.toml, with defaults', () => {
    const config = readConfig({ CORS_ORIGINS: 'https://a.example, https://b.example', MAX_K: '' });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.artifactSource).toBe('assets');
    expect(config.catalogVersion).toBeUndefined();
    expect(readConfig({ MAX_UPLOAD_BYTES: '1024' }).maxUploadBytes).toBe(1024);
  });

  it('reads named catalogs: a name, or name=prefix', () => {
    expect(readConfig({ CATALOGS: ' clothing, shoes=shop/shoes ' }).catalogs).toEqual([
      { name: 'clothing', prefix: 'catalogs/clothing' },
      { name: 'shoes', prefix: 'shop/shoes' },
    ]);
    expect(readConfig({ CATALOGS: '' }).catalogs).toEqual([]);
  });

  it.each([
    ['Clothing', /"Clothing" is not name or name=prefix/],
    ['a=../x', /"a=\.\.\/x" is not name or name=prefix/],
    ['a,a', /"a" is named twice/],
    ['a=catalog', /"a" uses CATALOG_PREFIX "catalog", the default catalog's/],
  ])('refuses CATALOGS=%j at start-up', (value, message) => {
    expect(() => readConfig({ CATALOGS: value })).toThrow(message);
  });

  it('fails at start-up naming each bad variable', () => {
    expect(() => readConfig({ ARTIFACT_SOURCE: 's3' })).toThrow(/ARTIFACT_SOURCE/);
    expect(() => readConfig({ MAX_UPLOAD_BYTES: '-5' })).toThrow(/MAX_UPLOAD_BYTES/);
    expect(() => readConfig({ CATALOG_PREFIX: '../x' })).toThrow(/CATALOG_PREFIX/);
    expect(() => readConfig({ CATALOG_VERSION: '..' })).toThrow(/CATALOG_VERSION/);
  });
});
