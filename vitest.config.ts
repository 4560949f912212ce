import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Two kinds of tests: Node-side tests (trainer, core, scripts) and edge tests that run inside
// workerd. Each kind is a vitest project so that `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/{core,trainer,scripts}/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Inside workerd through the real Worker entry; fixtures are built on the Node side.
        plugins: [cloudflareTest({ wrangler: { configPath: './test/edge/wrangler.test.toml' } })],
        test: {
          name: 'workers',
          include: ['test/edge/**/*.test.ts'],
          exclude: ['test/edge/e2e/**'],
          globalSetup: ['test/edge/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The demo page in headless Chromium against `wrangler dev` (test/browser).
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // `wrangler dev` started as a process and queried over HTTP.
        test: {
          name: 'edge-e2e',
          include: ['test/edge/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/edge/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
