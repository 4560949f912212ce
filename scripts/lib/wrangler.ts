/**
 * Runs `wrangler dev` (the worker on workerd, locally, offline) and waits until `/healthz`
 * answers 200, i.e. until a catalog version is loaded and checked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { REPO_ROOT, WRANGLER_BIN } from './paths.ts';

/** Longest wait for `/healthz` after `wrangler dev` starts, in ms. */
export const HEALTH_TIMEOUT_MS = 120_000;

/** Environment for an offline, quiet wrangler. */
export function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_LOG: process.env.WRANGLER_LOG ?? 'warn',
    CI: process.env.CI ?? '1',
  };
}

/** A running `wrangler dev`. */
export interface DevServer {
  url: string;
  child: ChildProcess;
  /** Output so far (stdout and stderr), for error messages. */
  output(): string;
  /** Stops wrangler and its workerd; resolves when it exited. */
  stop(): Promise<void>;
}

/** Options of {@link startWranglerDev}. */
export interface DevOptions {
  port: number;
  /** wrangler config file (default: the repository's wrangler.toml). */
  config?: string;
  /** Echo wrangler's output to this process's terminal (default false). */
  inherit?: boolean;
  /** `[vars]` to set for this run (`--var NAME:VALUE`), e.g. `{ CATALOGS: 'clothing' }`. */
  vars?: Record<string, string>;
}

/** Starts `wrangler dev` on 127.0.0.1:port; resolves once `/healthz` answers 200. */
export async function startWranglerDev(options: DevOptions): Promise<DevServer> {
  if (!(await portIsFree(options.port))) {
    throw new Error(
      `port ${options.port} on 127.0.0.1 is in use (another npm start?); ` +
        'stop it or pass --port N',
    );
  }
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(options.port)];
  args.push('--inspector-port', String(await freePort()), '--show-interactive-dev-session=false');
  if (options.config) args.push('--config', options.config);
  for (const [name, value] of Object.entries(options.vars ?? {})) {
    args.push('--var', `${name}:${value}`);
  }
  const child = spawn(WRANGLER_BIN, args, {
    cwd: REPO_ROOT,
    env: wranglerEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const collect = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
    if (options.inherit) process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const server: DevServer = {
    url: `http://127.0.0.1:${options.port}`,
    child,
    output: () => log,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          return;
        }
        const killer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
  try {
    await waitForHealth(server.url, exited);
  } catch (err) {
    await server.stop();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`wrangler dev did not become healthy: ${reason}\n${log.slice(-3000)}`, {
      cause: err,
    });
  }
  return server;
}

/** Polls `url/healthz` until it answers 200; rejects when `exited` settles first or on timeout. */
export async function waitForHealth(url: string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (gone) throw new Error('wrangler exited');
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      const body = await response.text();
      if (response.status === 200) return;
      last = `${response.status} ${body.slice(0, 300)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`/healthz still not 200 after ${HEALTH_TIMEOUT_MS} ms (last: ${last})`);
}

/** Whether `port` on 127.0.0.1 can be listened on right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
