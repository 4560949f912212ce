/**
 * `npm run bench -- edge [--duration-s 5] [--targets workerd,wrangler]`: latency and
 * throughput of the edge worker on loopback, against bare workerd (the bundle that
 * `wrangler deploy --dry-run` produces, served by node_modules/workerd) and against
 * `wrangler dev`, each labelled. Per target: time to listen, the first request (it loads the
 * catalog: index + model) and the first image (codec set-up); then by-id, by-vector and
 * by-image (a 28×28 PNG and a 400×533 JPEG photo) at concurrency 1 and 16, as p50/p99 latency
 * and requests/s from a keep-alive node:http client. Also the bundle's gzip size against the
 * Workers plan limits. Serves `artifacts/site` (npm start's catalog) when present, else the
 * edge test fixtures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { imageSize } from 'image-size';
import { buildFixtures, FIXTURE_SITE } from '../../test/edge/fixtures/build.ts';
import { loadScanModule } from '../build-wasm.ts';
import { writeSection } from './_report.ts';
import { getJson, runLoad, WARMUP_REQUESTS, type Call } from './edge/load.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const WORK = join(ROOT, 'artifacts', 'bench', 'edge');
const DEFAULT_SITE = join(ROOT, 'artifacts', 'site');
const CLOTHING = join(ROOT, '..', 'shared', 'data', 'clothing-dataset-small');
const COMPATIBILITY_DATE = '2026-04-01';
/** Workers plan limits on the compressed bundle, in bytes (see the report's note). */
const PLAN_LIMITS_GZIP_BYTES = { free: 3 * 2 ** 20, paid: 10 * 2 ** 20 };
const CONCURRENCIES = [1, 16];
const START_TIMEOUT_MS = 120_000;
const QUIET_ENV = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };

type Target = 'workerd' | 'wrangler';
interface Server {
  base: string;
  listenMs: number;
  stop(): void;
}

/** Runs the suite; see the module comment for the options. */
export async function run(argv: string[]): Promise<void> {
  const durationMs = Number(option(argv, '--duration-s', '5')) * 1000;
  const targets = option(argv, '--targets', 'workerd,wrangler').split(',') as Target[];
  await loadScanModule();
  await buildFixtures();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const useDefault = existsSync(join(DEFAULT_SITE, 'catalog', 'current.json'));
  const site = snapshotCatalog(useDefault ? DEFAULT_SITE : FIXTURE_SITE);
  const config = writeWranglerConfig(site);
  const bundle = await bundleWorker(config);
  const rows: TargetRows[] = [];
  for (const target of targets) {
    const server =
      target === 'workerd' ? await startWorkerd(site, bundle.dir) : await startWrangler(config);
    try {
      rows.push(await measureTarget(target, server, durationMs));
    } finally {
      server.stop();
    }
  }
  writeSection(
    'edge',
    'Edge worker',
    `npm run bench -- edge ${argv.join(' ')}`.trim(),
    report(useDefault, bundle, rows),
  );
}

function option(argv: string[], name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
}

/**
 * Copies the served version's catalog.json, model and index (not its item images) into the
 * bench's own assets directory, so a catalog rebuilt meanwhile cannot change what is measured.
 */
function snapshotCatalog(site: string): string {
  const out = join(WORK, 'site');
  const { version } = JSON.parse(readFileSync(join(site, 'catalog', 'current.json'), 'utf8'));
  for (const part of ['catalog.json', 'model', 'index']) {
    const from = join(site, 'catalog', version, part);
    cpSync(from, join(out, 'catalog', version, part), { recursive: true });
  }
  writeFileSync(join(out, 'catalog', 'current.json'), JSON.stringify({ version }));
  return out;
}

// ---- bundle ---------------------------------------------------------------------------------

function writeWranglerConfig(site: string): string {
  const file = join(WORK, 'wrangler.toml');
  writeFileSync(
    file,
    [
      'name = "fashion-similarity-bench"',
      `main = "${join(ROOT, 'edge', 'worker.ts')}"`,
      `compatibility_date = "${COMPATIBILITY_DATE}"`,
      '[assets]',
      `directory = "${site}"`,
      'binding = "ASSETS"',
      'run_worker_first = true',
    ].join('\n') + '\n',
  );
  return file;
}

async function bundleWorker(config: string) {
  const dir = join(WORK, 'bundle');
  await runToEnd('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', dir, '--config', config]);
  const files = readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { dir, files, rawBytes, gzipBytes };
}

function runToEnd(cmd: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...QUIET_ENV } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${cmd} ${args.join(' ')}:\n${output}`)),
    );
  });
}

// ---- servers --------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Bare workerd over the dry-run bundle: a capnp config with the bundle's modules embedded. */
async function startWorkerd(site: string, bundleDir: string): Promise<Server> {
  const port = await freePort();
  const modules = readdirSync(bundleDir)
    .filter((f) => f.endsWith('.wasm'))
    .map((f) => `(name = "${f}", wasm = embed "bundle/${f}")`);
  const capnp = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .edge),
    (name = "assets", disk = (path = "${site}", writable = false)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const edge :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "bundle/worker.js"), ${modules.join(', ')}],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  bindings = [(name = "ASSETS", service = "assets")],
);
`;
  writeFileSync(join(WORK, 'workerd.capnp'), capnp);
  const bin = join(ROOT, 'node_modules', '.bin', 'workerd');
  return startProcess(bin, ['serve', join(WORK, 'workerd.capnp')], port);
}

async function startWrangler(config: string): Promise<Server> {
  const [port, inspector] = [await freePort(), await freePort()];
  const args = ['wrangler', 'dev', '--config', config, '--ip', '127.0.0.1', '--port', String(port)];
  args.push('--inspector-port', String(inspector), '--persist-to', join(WORK, 'state'));
  args.push('--show-interactive-dev-session=false');
  return startProcess('npx', args, port);
}

async function startProcess(cmd: string, args: string[], port: number): Promise<Server> {
  const started = performance.now();
  const child: ChildProcess = spawn(cmd, args, {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, ...QUIET_ENV },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const stop = () => {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  try {
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`${cmd} exited:\n${stderr}`);
      if (performance.now() - started > START_TIMEOUT_MS) throw new Error(`${cmd}: no listener`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } catch (err) {
    stop();
    throw err;
  }
  return { base: `http://127.0.0.1:${port}`, listenMs: performance.now() - started, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

// ---- scenarios ------------------------------------------------------------------------------

/** A 400×533 JPEG from the clothing dataset (the first in name order). */
function photo400x533(): Uint8Array | undefined {
  const dir = join(CLOTHING, 'test');
  if (!existsSync(dir)) return undefined;
  for (const cls of readdirSync(dir).sort()) {
    for (const f of readdirSync(join(dir, cls)).sort()) {
      const bytes = new Uint8Array(readFileSync(join(dir, cls, f)));
      const size = imageSize(bytes);
      if (size.width === 400 && size.height === 533) return bytes;
    }
  }
  return undefined;
}

function unitVector(d: number, seed: number): number[] {
  let s = seed;
  const v = Array.from({ length: d }, () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  });
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

async function scenarios(base: string): Promise<Array<[string, Call[]]>> {
  const { body: info } = await getJson<{ d: number }>(base, '/v1/index');
  const vectors = Array.from({ length: 64 }, (_, i) => unitVector(info.d, i + 1));
  type BatchAnswer = { results: Array<{ hits: Array<{ id: string }> }> };
  const probe = await getJson<BatchAnswer>(base, '/v1/search/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ k: 100, queries: vectors.slice(0, 2).map((vector) => ({ vector })) }),
  });
  // 200 distinct catalog items, found by two vector queries
  const ids = probe.body.results.flatMap((r) => r.hits.map((h) => h.id));
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const png = new Uint8Array(
    readFileSync(join(FIXTURE_SITE, 'fixtures', 'parity', 'test-00000.png')),
  );
  const list: Array<[string, Call[]]> = [
    ['by-id', ids.map((id) => ({ method: 'GET', path: `/v1/items/${id}/similar?k=10` }))],
    [
      'by-vector',
      vectors.map((vector) => ({
        method: 'POST',
        path: '/v1/search/vector',
        type: 'application/json',
        body: json({ vector, k: 10 }),
      })),
    ],
    [
      'by-image 28×28 PNG',
      [{ method: 'POST', path: '/v1/search/image?k=10', type: 'image/png', body: png }],
    ],
  ];
  const jpeg = photo400x533();
  if (jpeg)
    list.push([
      'by-image 400×533 JPEG',
      [{ method: 'POST', path: '/v1/search/image?k=10', type: 'image/jpeg', body: jpeg }],
    ]);
  return list;
}

interface TargetRows {
  start: string[];
  load: string[];
  catalog: string;
}

const fixed = (ms: number, digits = 2) => ms.toFixed(digits);

/** Start-up figures, then every scenario at each concurrency, as Markdown table rows. */
async function measureTarget(target: Target, server: Server, ms: number): Promise<TargetRows> {
  const label = target === 'workerd' ? 'bare workerd' : 'wrangler dev';
  const first = await getJson<unknown>(server.base, '/healthz');
  const png = readFileSync(join(FIXTURE_SITE, 'fixtures', 'parity', 'test-00000.png'));
  const t = performance.now();
  const init = { method: 'POST', headers: { 'content-type': 'image/png' }, body: png };
  await (await fetch(`${server.base}/v1/search/image`, init)).arrayBuffer();
  const firstImageMs = performance.now() - t;
  const { body: info } = await getJson<{ count: number; d: number; M: number }>(
    server.base,
    '/v1/index',
  );
  const start = [
    `| ${label} | start → listening | ${fixed(server.listenMs, 0)} ms |`,
    `| ${label} | first request (/healthz, ${first.status}: loads and checks the index) | ` +
      `${fixed(first.ms, 0)} ms |`,
    `| ${label} | first image search (loads the model: ONNX Runtime set-up, session) | ` +
      `${fixed(firstImageMs, 0)} ms |`,
  ];
  const load: string[] = [];
  for (const [name, calls] of await scenarios(server.base)) {
    for (const c of CONCURRENCIES) {
      const r = await runLoad(server.base, calls, c, ms);
      const failed = [...r.failures].map(([status, n]) => `${n} × ${status}`);
      const errors = failed.length > 0 ? ` (${failed.join(', ')})` : '';
      const figures = `${fixed(r.p50)} | ${fixed(r.p99)} | ${fixed(r.rps, 0)} | ${r.count}`;
      load.push(`| ${label} | ${name} | ${c} | ${figures}${errors} |`);
      process.stdout.write(`${label} ${name} c=${c}: ${figures.replaceAll(' | ', ' / ')}\n`);
    }
  }
  const [load1] = loadavg();
  process.stdout.write(`${label}: load average ${load1.toFixed(1)} at the end\n`);
  start.push(`| ${label} | machine load average (1 min) after the runs | ${load1.toFixed(1)} |`);
  return { start, load, catalog: `${info.count} items, d = ${info.d}, M = ${info.M}` };
}

// ---- report ---------------------------------------------------------------------------------

interface BundleSize {
  files: string[];
  rawBytes: number;
  gzipBytes: number;
}

function report(useDefault: boolean, bundle: BundleSize, rows: TargetRows[]): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const fits = (limit: number) => (bundle.gzipBytes <= limit ? 'fits' : 'over');
  const where = useDefault ? 'a snapshot of the default catalog (artifacts/site)' : 'the fixtures';
  return [
    'The machine is shared with the other suites and trainings, so figures vary with its load ' +
      '(shown per target). ' +
      `Catalog served: ${where}, ${rows[0]?.catalog ?? ''}. Client: keep-alive node:http on ` +
      `loopback, ${WARMUP_REQUESTS} warm-up requests, then each connection sends its next ` +
      'request when the last answer arrives; latency per request. Bare workerd runs the ' +
      '`wrangler deploy --dry-run` bundle with no Cache API configured, so by-id is computed ' +
      "every time; wrangler dev answers repeated by-id URLs from miniflare's Cache API.",
    '',
    '| target | event | time |',
    '| --- | --- | ---: |',
    ...rows.flatMap((r) => r.start),
    '',
    '| target | route | concurrency | p50 ms | p99 ms | req/s | requests |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.flatMap((r) => r.load),
    '',
    `Bundle (${bundle.files.length} modules): ${mib(bundle.rawBytes)} raw, ` +
      `${mib(bundle.gzipBytes)} gzip; ONNX Runtime's wasm is most of it. Against the ` +
      `compressed-size limits of Workers Free (3 MiB): ${fits(PLAN_LIMITS_GZIP_BYTES.free)}; ` +
      `Workers Paid (10 MiB): ${fits(PLAN_LIMITS_GZIP_BYTES.paid)}. Cloudflare's current ` +
      'limits page lists 64 MiB for both plans; check the plan of the account you deploy to.',
  ].join('\n');
}
