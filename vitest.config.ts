import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests start real servers, SQLite files and Redis connections; two cores
    // are shared between them, so keep the parallelism honest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{protocol,api,desktop}/{src,test}/**/*.test.{ts,tsx}'],
        },
      },
      {
        // Real Chromium against a real API: one file at a time, after the other tests, so
        // the browsers neither starve nor are starved by the rest of the suite.
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          globalSetup: ['e2e/support/global-setup.ts'],
          // A failed test saves its pages (screenshot, HTML, console) and prints where.
          setupFiles: ['e2e/support/capture-failures.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
