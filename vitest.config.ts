import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,api,desktop}/{src,test}/**/*.test.{ts,tsx}'],
    // Tests start real servers, SQLite files and Redis connections; two cores
    // are shared between them, so keep the parallelism honest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
