/**
 * Property-based fuzzing of every route (fast-check, fixed seed): random and mutated paths,
 * queries and bodies must never get a 5xx, and every error is the JSON error body.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, fixture } from './helpers.ts';

/** Longest random vector: past d of the test encoder (16) and of the default model (64). */
const MAX_RANDOM_VECTOR = 70;

/** Seed of every property, so a failure replays. */
const SEED = 20261203;
/** Requests per property: enough to hit each branch, few enough for a ~10 s file. */
const RUNS = 120;

async function expectNo5xx(res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, `${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400) {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof body.error?.code).toBe('string');
    expect(typeof body.error?.message).toBe('string');
  }
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('test-00001', 'test-00002', '', ' ', '..', '%00', 'NaN', '-1', '1e9'),
);
const kText = fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), text);
const types = fc.constantFrom(
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
);

/** Flips, overwrites and truncates bytes of a valid file. */
function mutated(bytes: Uint8Array) {
  return fc
    .record({
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ edits, cut }) => {
      const out = bytes.slice(0, cut === undefined ? bytes.length : cut % (bytes.length + 1));
      for (const [at, value] of edits) if (out.length > 0) out[at % out.length] = value;
      return out;
    });
}

const vectorBody = fc.oneof(
  fc.jsonValue(),
  fc.record({
    vector: fc.array(fc.oneof(fc.double(), fc.jsonValue()), { maxLength: MAX_RANDOM_VECTOR }),
    k: fc.option(fc.oneof(fc.integer(), fc.double(), fc.string()), { nil: undefined }),
    category: fc.option(text, { nil: undefined }),
  }),
);

describe('fuzzing', () => {
  let photos: Uint8Array[] = [];
  beforeAll(async () => {
    photos = [await fixture('fixtures/photo.jpg'), await fixture('fixtures/photo.png')];
    await call('/healthz');
  });

  it('GET /v1/items/{id} and /similar never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(text, kText, text, fc.boolean(), async (id, k, category, similar) => {
        const path = `/v1/items/${encodeURIComponent(id)}${similar ? '/similar' : ''}`;
        const query = `?k=${encodeURIComponent(k)}&category=${encodeURIComponent(category)}`;
        await expectNo5xx(await call(path + query));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('POST /v1/search/vector and /batch never answer 5xx', async () => {
    const batch = fc.oneof(
      fc.jsonValue(),
      fc.record({
        queries: fc.array(fc.oneof(vectorBody, fc.record({ id: text })), { maxLength: 10 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), vectorBody, batch, types, async (isBatch, v, b, type) => {
        const body = JSON.stringify(isBatch ? b : v) ?? '';
        const path = isBatch ? '/v1/search/batch' : '/v1/search/vector';
        const headers = { 'content-type': type === '' ? 'application/json' : type };
        await expectNo5xx(await call(path, { method: 'POST', headers, body }));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('POST /v1/search/image never answers 5xx for mutated and random bodies', async () => {
    const body = fc.oneof(
      mutated(photos[0]),
      mutated(photos[1]),
      fc.uint8Array({ maxLength: 2048 }),
    );
    await fc.assert(
      fc.asyncProperty(body, types, kText, async (bytes, type, k) => {
        const headers: Record<string, string> = type === '' ? {} : { 'content-type': type };
        const init = {
          method: 'POST',
          headers,
          body: bytes as Uint8Array<ArrayBuffer>,
        };
        await expectNo5xx(await call(`/v1/search/image?k=${encodeURIComponent(k)}`, init));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('any method on any path never answers 5xx', async () => {
    const paths = fc.constantFrom(
      '/healthz',
      '/v1/index',
      '/openapi.json',
      '/v1/items/test-00001',
      '/v1/items/test-00001/similar',
      '/v1/search/image',
      '/v1/search/vector',
      '/v1/search/batch',
      '/',
      '/v1',
    );
    const methods = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
    await fc.assert(
      fc.asyncProperty(paths, methods, fc.uint8Array({ maxLength: 64 }), async (p, m, bytes) => {
        const hasBody = m !== 'GET' && m !== 'HEAD';
        const res = await call(p, {
          method: m,
          body: hasBody ? (bytes as Uint8Array<ArrayBuffer>) : undefined,
        });
        expect(res.status).toBeLessThan(500);
        await res.body?.cancel();
      }),
      { seed: SEED, numRuns: RUNS / 2 },
    );
  });
});
