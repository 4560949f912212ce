/// <reference types="@cloudflare/vitest-pool-workers/types" />

/** Bindings of the worker under test (test/edge/wrangler.test.toml). */
declare namespace Cloudflare {
  interface Env {
    ASSETS: Fetcher;
    CATALOG: R2Bucket;
  }
}
