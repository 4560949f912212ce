/**
 * The worker's routes through the real runtime's fetch path (SELF.fetch into edge/worker.ts
 * over the fixture catalog), grouped by route.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_ORIGIN,
  call,
  cosine,
  errorOf,
  fixture,
  fixtureJson,
  GIF_1PX,
  pngHeaderOnly,
  postBytes,
  postJson,
  SVG_IMAGE,
  TEST_MAX_BATCH_QUERIES,
  TEST_MAX_UPLOAD_BYTES,
  type ParityFixture,
} from './helpers.ts';

interface SearchAnswer {
  version: string;
  k: number;
  hits: Array<{ id: string; score: number; metadata: { category?: string } }>;
  embedding?: number[];
}

/** The fixture catalog's index shape (d, M): the test encoder's, or the default model's. */
let shape = { d: 0, M: 0 };
beforeAll(async () => {
  const { d, M } = await fixtureJson<ParityFixture>('fixtures/parity.json');
  shape = { d, M };
});

const unit = (i: number) => Array.from({ length: shape.d }, (_, j) => (j === i ? 1 : 0));

describe('GET /healthz', () => {
  it('answers ok with the serving version', async () => {
    const res = await call('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: 'v1' });
    expect(res.headers.get('X-Index-Version')).toBe('v1');
  });
});

describe('GET /v1/index', () => {
  it('describes the serving index and model', async () => {
    const res = await call('/v1/index');
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ version: 'v1', count: 2000, ...shape, nbits: 8 });
    expect(body.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.builtAt).toBe('2026-01-01T00:00:00.000Z');
    expect(body.input).toEqual({ channels: 1, height: 28, width: 28, invert: true });
  });
});

describe('GET /openapi.json', () => {
  it('documents every API route as OpenAPI 3.1', async () => {
    const doc = (await (await call('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/v1/index',
        '/v1/items/{id}',
        '/v1/items/{id}/similar',
        '/v1/search/batch',
        '/v1/search/image',
        '/v1/search/vector',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/search/image'].post as object)).toContain('requestBody');
  });
});

describe('GET /v1/items/{id}', () => {
  it('answers an item with its metadata', async () => {
    const res = await call('/v1/items/test-00000');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: 'test-00000',
      metadata: { category: 'Ankle boot', imageUrl: '/v1/items/test-00000/image' },
    });
  });

  it('answers 404 unknown_item for an id not in the catalog', async () => {
    const res = await call('/v1/items/nope');
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('unknown_item');
  });
});

describe('GET /v1/items/{id}/similar', () => {
  it('answers k neighbours, best first, without the item itself', async () => {
    const res = await call('/v1/items/test-00003/similar?k=5');
    const body = (await res.json()) as SearchAnswer;
    expect(res.status).toBe(200);
    expect(body.hits).toHaveLength(5);
    expect(body.hits.map((h) => h.id)).not.toContain('test-00003');
    const scores = body.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(res.headers.get('Server-Timing')).toMatch(/search;dur=/);
  });

  it('defaults k to 10 and filters by category', async () => {
    const body = (await (
      await call('/v1/items/test-00003/similar?category=Sneaker')
    ).json()) as SearchAnswer;
    expect(body.k).toBe(10);
    expect(body.hits).toHaveLength(10);
    expect(new Set(body.hits.map((h) => h.metadata.category))).toEqual(new Set(['Sneaker']));
  });

  it('is cacheable: Cache-Control, an ETag of the version, 304 on If-None-Match', async () => {
    const first = await call('/v1/items/test-00010/similar?k=3');
    const etag = first.headers.get('ETag');
    expect(first.headers.get('Cache-Control')).toBe('public, max-age=300, s-maxage=3600');
    expect(etag).toBe('"v1.r1"');
    const again = await call('/v1/items/test-00010/similar?k=3', {
      headers: { 'If-None-Match': etag ?? '' },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(etag);
    expect(await again.text()).toBe('');
  });

  it('answers a repeated request from the edge cache with the same body', async () => {
    const url = '/v1/items/test-00011/similar?k=4';
    const first = await (await call(url)).text();
    const second = await call(url);
    expect(second.headers.get('X-Cache')).toBe('hit');
    expect(await second.text()).toBe(first);
  });

  it('gives a cached answer the CORS headers of its own request', async () => {
    const url = '/v1/items/test-00012/similar?k=2';
    const first = await call(url, { headers: { Origin: ALLOWED_ORIGIN } });
    expect(first.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED_ORIGIN);
    await first.text();
    const other = await call(url, { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('X-Cache')).toBe('hit');
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const none = await call(url);
    expect(none.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const again = await call(url, { headers: { Origin: ALLOWED_ORIGIN } });
    expect(again.headers.get('X-Cache')).toBe('hit');
    expect(again.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED_ORIGIN);
  });

  it.each(['0', '101', 'abc', 'NaN', 'Infinity', '2.5', '-1', ''])(
    'answers 400 invalid_parameter for k=%s',
    async (k) => {
      const res = await call(`/v1/items/test-00000/similar?k=${k}`);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('invalid_parameter');
    },
  );

  it('answers 400 invalid_parameter naming the rule when k is given twice', async () => {
    const res = await call('/v1/items/test-00000/similar?k=2&k=3');
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_parameter');
    expect(error.message).toBe('query.k: k must be given once');
  });

  it('answers 404 unknown_category for a category no item has', async () => {
    const res = await call('/v1/items/test-00000/similar?category=Sneakers');
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('unknown_category');
  });

  it('answers 404 unknown_item for an unknown id', async () => {
    const res = await call('/v1/items/test-99999/similar');
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('unknown_item');
  });
});

describe('POST /v1/search/vector', () => {
  it('answers the neighbours of a vector', async () => {
    const res = await postJson('/v1/search/vector', { vector: unit(0), k: 3 });
    const body = (await res.json()) as SearchAnswer;
    expect(res.status).toBe(200);
    expect(body.hits).toHaveLength(3);
    expect(body.hits[0].score).toBeLessThanOrEqual(1.0001);
  });

  it('answers 404 unknown_category for a category no item has', async () => {
    const res = await postJson('/v1/search/vector', { vector: unit(0), category: 'nope' });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('unknown_category');
  });

  it('rejects a k sent as a JSON string with 422 invalid_body', async () => {
    const res = await postJson('/v1/search/vector', { vector: unit(0), k: '3' });
    expect(res.status).toBe(422);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_body');
    expect(error.message).toMatch(/^json\.k: .*expected number/);
  });

  it('rejects a vector whose length is not d with 422 invalid_vector', async () => {
    const res = await postJson('/v1/search/vector', { vector: [1, 2, 3] });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).code).toBe('invalid_vector');
  });

  it('rejects a zero vector, and non-numbers, with 422', async () => {
    const zero = await postJson('/v1/search/vector', { vector: new Array(shape.d).fill(0) });
    expect(zero.status).toBe(422);
    const text = await postJson('/v1/search/vector', { vector: ['a'] });
    expect(text.status).toBe(422);
    expect((await errorOf(text)).code).toBe('invalid_body');
  });

  it('rejects NaN, Infinity and 1e999 (not JSON numbers, or overflowing) with a 4xx', async () => {
    for (const literal of ['NaN', 'Infinity', '1e999']) {
      const body = `{"vector":[${new Array(shape.d).fill(literal).join(',')}]}`;
      const res = await postBytes(
        '/v1/search/vector',
        new TextEncoder().encode(body),
        'application/json',
      );
      expect([400, 422]).toContain(res.status);
    }
  });

  it('answers 400 malformed_json and empty_body, 415 for a non-JSON type', async () => {
    const bad = await postBytes(
      '/v1/search/vector',
      new TextEncoder().encode('{"vector":'),
      'application/json',
    );
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('malformed_json');
    const empty = await postBytes('/v1/search/vector', new Uint8Array(0), 'application/json');
    expect((await errorOf(empty)).code).toBe('empty_body');
    const plain = await postBytes(
      '/v1/search/vector',
      new TextEncoder().encode('{}'),
      'text/plain',
    );
    expect(plain.status).toBe(415);
  });
});

describe('POST /v1/search/batch', () => {
  it('answers ids and vectors in order, with per-query errors', async () => {
    const res = await postJson('/v1/search/batch', {
      k: 2,
      queries: [{ id: 'test-00001' }, { vector: unit(1), k: 4 }, { id: 'missing' }],
    });
    const body = (await res.json()) as {
      results: Array<{ k?: number; hits?: unknown[]; error?: { code: string } }>;
    };
    expect(res.status).toBe(200);
    expect(body.results[0].hits).toHaveLength(2);
    expect(body.results[1].hits).toHaveLength(4);
    expect(body.results[2].error?.code).toBe('unknown_item');
  });

  it(`rejects more than MAX_BATCH_QUERIES (${TEST_MAX_BATCH_QUERIES}) with 422`, async () => {
    const queries = Array.from({ length: TEST_MAX_BATCH_QUERIES + 1 }, () => ({
      id: 'test-00001',
    }));
    const res = await postJson('/v1/search/batch', { queries });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).message).toMatch(/limit is 8/);
  });

  it('rejects a query with neither id nor vector with 422', async () => {
    const res = await postJson('/v1/search/batch', { queries: [{ k: 3 }] });
    expect(res.status).toBe(422);
  });
});

describe('POST /v1/search/image', () => {
  it('finds the neighbours of a PNG, a JPEG photo and a multipart upload', async () => {
    const png = await fixture('fixtures/photo.png');
    const jpeg = await fixture('fixtures/photo.jpg');
    for (const [bytes, type] of [
      [png, 'image/png'],
      [jpeg, 'image/jpeg'],
    ] as const) {
      const res = await postBytes('/v1/search/image?k=3', bytes, type);
      expect(res.status).toBe(200);
      expect(((await res.json()) as SearchAnswer).hits).toHaveLength(3);
      expect(res.headers.get('Server-Timing')).toMatch(/decode;dur=.*embed;dur=.*search;dur=/);
    }
    const form = new FormData();
    form.append(
      'image',
      new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }),
      'a.jpg',
    );
    const multipart = await call('/v1/search/image?k=2', { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
  });

  it('gives the trainer-side embedding and neighbours for the shown PNG (parity)', async () => {
    const parity = await fixtureJson<ParityFixture>('fixtures/parity.json');
    for (const c of parity.cases) {
      const res = await postBytes(
        `/v1/search/image?k=${parity.k}&embedding=true`,
        await fixture(c.png),
        'image/png',
      );
      const body = (await res.json()) as SearchAnswer;
      expect(cosine(body.embedding ?? [], c.embedding)).toBeGreaterThanOrEqual(0.999);
      expect(body.hits.map((h) => h.id)).toEqual(c.neighbours);
    }
  });

  it('refuses GIF and SVG with 415, whatever the declared type', async () => {
    for (const [bytes, type] of [
      [GIF_1PX, 'image/png'],
      [SVG_IMAGE, 'image/png'],
    ] as const) {
      const res = await postBytes('/v1/search/image', bytes, type);
      expect(res.status).toBe(415);
      expect((await errorOf(res)).code).toBe('unsupported_image_type');
    }
    const gifType = await postBytes('/v1/search/image', GIF_1PX, 'image/gif');
    expect((await errorOf(gifType)).code).toBe('unsupported_media_type');
  });

  it('refuses a header declaring too many pixels before decoding, with 413', async () => {
    const res = await postBytes('/v1/search/image', pngHeaderOnly(50_000, 50_000), 'image/png');
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toMatch(/50000×50000/);
  });

  it('refuses truncated and corrupt images with 422 image_undecodable', async () => {
    const jpeg = await fixture('fixtures/photo.jpg');
    const png = await fixture('fixtures/photo.png');
    const corrupt = png.slice();
    corrupt.fill(0x41, 60, 200);
    for (const [bytes, type] of [
      [jpeg.slice(0, jpeg.length >> 1), 'image/jpeg'],
      [png.slice(0, png.length - 40), 'image/png'],
      [corrupt, 'image/png'],
      [new TextEncoder().encode('not an image at all'), 'image/jpeg'],
    ] as const) {
      const res = await postBytes('/v1/search/image', bytes, type);
      expect(res.status).toBe(422);
      expect((await errorOf(res)).code).toBe('image_undecodable');
    }
  });

  it('refuses a body over MAX_UPLOAD_BYTES with 413, streamed without Content-Length', async () => {
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.length;
        if (sent > TEST_MAX_UPLOAD_BYTES * 4) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await call('/v1/search/image', {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body,
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
    expect(sent).toBeLessThan(TEST_MAX_UPLOAD_BYTES * 4);
  });

  it('answers 400 for an empty body or a multipart body without the image field', async () => {
    const empty = await postBytes('/v1/search/image', new Uint8Array(0), 'image/png');
    expect((await errorOf(empty)).code).toBe('empty_body');
    const form = new FormData();
    form.append('photo', 'x');
    const res = await call('/v1/search/image', { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('missing_image');
  });
});

describe('any route', () => {
  it('answers 405 with Allow for a wrong method, 404 for an unknown path', async () => {
    const wrong = await call('/v1/search/vector');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('Allow')).toContain('POST');
    const missing = await call('/v2/nothing');
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('not_found');
  });

  it('allows CORS from the configured origins only', async () => {
    const allowed = await call('/v1/index', { headers: { Origin: ALLOWED_ORIGIN } });
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED_ORIGIN);
    const other = await call('/v1/index', { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const preflight = await call('/v1/search/image', {
      method: 'OPTIONS',
      headers: { Origin: ALLOWED_ORIGIN, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toContain('POST');
  });

  it('never serves the catalog files themselves', async () => {
    const res = await call('/catalog/v1/catalog.json');
    expect(res.status).toBe(404);
  });
});
