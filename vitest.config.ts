import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/security/**/*.test.ts', 'test/infra/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          // Browser tests (headless Chromium, test/browser/helpers/browser.ts) run on the same stack.
          include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
          // Creates the local CA and sets NODE_EXTRA_CA_CERTS before the workers start (local/README.md).
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        // `npm run bench`: each file measures and prints ratios against a baseline from the same run.
        test: {
          name: 'bench',
          include: ['test/bench/**/*.bench.ts'],
          // results-setup.ts gathers every file's figures into bench-results.json at the end.
          globalSetup: ['test/global-setup.ts', 'test/bench/results-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
