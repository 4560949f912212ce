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
    ],
  },
});
