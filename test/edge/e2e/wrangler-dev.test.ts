/**
 * End to end: `wrangler dev` started as a process on a free port over the fixture catalog,
 * queried over HTTP like a client would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_ROOT, FIXTURE_SITE } from '../fixtures/build.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** How long `wrangler dev` may take to answer /healthz on a loaded 2-core machine, in ms. */
const START_TIMEOUT_MS = 120_000;

let server: ChildProcess | undefined;
let base = '';
let output = '';

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForHealth(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (server?.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not answer /healthz in ${START_TIMEOUT_MS} ms:\n${output}`);
}

beforeAll(async () => {
  const [port, inspector] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  const args = [
    'wrangler',
    'dev',
    '--config',
    'test/edge/wrangler.test.toml',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspector),
    '--persist-to',
    join(FIXTURE_ROOT, 'wrangler-state'),
    '--show-interactive-dev-session=false',
  ];
  server = spawn('npx', args, {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
  });
  server.stdout?.on('data', (d) => (output += d));
  server.stderr?.on('data', (d) => (output += d));
  await waitForHealth(Date.now() + START_TIMEOUT_MS);
}, START_TIMEOUT_MS + 10_000);

afterAll(() => {
  if (server?.pid && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
});

describe('wrangler dev', () => {
  it('serves the index description and similar items over HTTP', async () => {
    const info = (await (await fetch(`${base}/v1/index`)).json()) as { count: number };
    expect(info.count).toBe(2000);
    const res = await fetch(`${base}/v1/items/test-00001/similar?k=3`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-index-version')).toBe('v1');
    expect(((await res.json()) as { hits: unknown[] }).hits).toHaveLength(3);
  });

  it('searches by an uploaded JPEG photo', async () => {
    const photo = readFileSync(join(FIXTURE_SITE, 'fixtures', 'photo.jpg'));
    const res = await fetch(`${base}/v1/search/image?k=4`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: photo,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { hits: unknown[] }).hits).toHaveLength(4);
  });

  it('answers bad input with a JSON 4xx', async () => {
    const res = await fetch(`${base}/v1/items/test-00001/similar?k=0`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_parameter',
    );
  });
});
