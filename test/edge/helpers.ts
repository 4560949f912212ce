/**
 * Helpers of the workerd tests: requests to the worker under test, the fixtures it serves, and
 * hand-made images (a decompression bomb header, a GIF, truncations).
 */
import { env, SELF } from 'cloudflare:test';

/** Origin of requests to the worker under test. */
export const ORIGIN = 'https://edge.test';
/** The origin allowed by CORS_ORIGINS in wrangler.test.toml. */
export const ALLOWED_ORIGIN = 'https://shop.example';
/** MAX_UPLOAD_BYTES of wrangler.test.toml. */
export const TEST_MAX_UPLOAD_BYTES = 262_144;
/** MAX_BATCH_QUERIES of wrangler.test.toml. */
export const TEST_MAX_BATCH_QUERIES = 8;

/** The JSON error body of the service. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Sends a request to the worker under test. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, init);
}

/** POSTs a JSON value. */
export function postJson(path: string, body: unknown): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** POSTs raw bytes with a Content-Type. */
export function postBytes(path: string, bytes: Uint8Array, type: string): Promise<Response> {
  const body = bytes as Uint8Array<ArrayBuffer>;
  return call(path, { method: 'POST', headers: { 'content-type': type }, body });
}

/** Asserts nothing; returns the parsed error body of a 4xx answer. */
export async function errorOf(res: Response): Promise<ErrorBody['error']> {
  return ((await res.json()) as ErrorBody).error;
}

/** A file of the fixture site (artifacts/test/edge/site), read through the ASSETS binding. */
export async function fixture(path: string): Promise<Uint8Array> {
  const res = await env.ASSETS.fetch(`https://assets.invalid/${path}`);
  if (!res.ok) throw new Error(`fixture ${path}: ${res.status}; is the global setup built?`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A fixture file parsed as JSON. */
export async function fixtureJson<T>(path: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await fixture(path))) as T;
}

/** The parity cases written by the fixture builder. */
export interface ParityFixture {
  k: number;
  d: number;
  M: number;
  /** Which encoder built the fixture catalog: `models/default` or the test projection. */
  model: string;
  cases: Array<{ id: string; png: string; embedding: number[]; neighbours: string[] }>;
}

/**
 * A PNG whose IHDR declares `width × height` pixels, followed by no image data: what a
 * decompression bomb looks like to a header check (the CRC is not checked by header readers).
 */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(8 + 25);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13);
  bytes.set([0x49, 0x48, 0x44, 0x52], 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 6, 0, 0, 0], 24);
  return bytes;
}

/** A 1×1 GIF89a. */
export const GIF_1PX = Uint8Array.from(
  atob('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=='),
  (ch) => ch.charCodeAt(0),
);

/** A small SVG document. */
export const SVG_IMAGE = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
);

/** Cosine similarity of two vectors of the same length. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}
