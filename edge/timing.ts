/**
 * Server-Timing: the phases of one request (decode, embed, search, ...) in ms, as a header.
 * Workers advance their clock only across I/O, so on Cloudflare CPU-only phases may read 0 ms;
 * under `wrangler dev` and bare workerd locally they are measured.
 */

/** Collects named durations of one request. */
export class ServerTiming {
  private readonly entries: Array<[string, number]> = [];

  /** Runs `work`, recording its duration under `name`. */
  async time<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.entries.push([name, performance.now() - started]);
    }
  }

  /** Records a duration measured elsewhere, in ms. */
  add(name: string, ms: number): void {
    this.entries.push([name, ms]);
  }

  /** The header value, e.g. `decode;dur=1.20, embed;dur=2.41`. */
  header(): string {
    return this.entries.map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`).join(', ');
  }
}
