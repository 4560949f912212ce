/**
 * The load generator of `npm run bench -- edge`: keep-alive node:http connections on loopback,
 * each sending its next request when the last answer arrives, with a latency per request.
 */
import { Agent, request } from 'node:http';

/** One request of a scenario. */
export interface Call {
  method: string;
  path: string;
  type?: string;
  body?: Uint8Array;
}

/** Latency percentiles (ms), throughput and failures of one timed run. */
export interface LoadResult {
  p50: number;
  p99: number;
  rps: number;
  count: number;
  /** Answers other than 200, by HTTP status or, when no answer came, the socket error code. */
  failures: Map<string, number>;
}

/** Requests before each timed run, on one connection: the isolate's JIT warms up (30 did not). */
export const WARMUP_REQUESTS = 200;

/** One request; resolves with its HTTP status, or the socket error's code when none came. */
function send(agent: Agent, base: string, call: Call): Promise<string> {
  return new Promise((done) => {
    const headers: Record<string, string | number> = {};
    if (call.type) headers['content-type'] = call.type;
    if (call.body) headers['content-length'] = call.body.length;
    const req = request(`${base}${call.path}`, { method: call.method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => done(String(res.statusCode)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    req.end(call.body);
  });
}

/** Timed requests from `concurrency` keep-alive connections for `durationMs`. */
export async function runLoad(
  base: string,
  calls: Call[],
  concurrency: number,
  durationMs: number,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  for (let i = 0; i < WARMUP_REQUESTS; i++) await send(agent, base, calls[i % calls.length]);
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() - started < durationMs) {
      const call = calls[next++ % calls.length];
      const t = performance.now();
      const status = await send(agent, base, call);
      latencies.push(performance.now() - t);
      if (status !== '200') failures.set(status, (failures.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    p50: at(0.5),
    p99: at(0.99),
    rps: (latencies.length / elapsed) * 1000,
    count: latencies.length,
    failures,
  };
}

/** One JSON request, timed. */
export async function getJson<T>(
  base: string,
  path: string,
  init?: RequestInit,
): Promise<{ ms: number; body: T; status: number }> {
  const t = performance.now();
  const res = await fetch(`${base}${path}`, init);
  const body = (await res.json()) as T;
  return { ms: performance.now() - t, body, status: res.status };
}
