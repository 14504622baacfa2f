/**
 * `@chat/api/testing`: the API's test support for every suite that needs a real API (the
 * API's own tests, the desktop client core's, the browser tests) and for the soak test
 * and the benchmarks. One restartable harness, in this process (`startTestApi`) or as a
 * real process (`spawnApi`), and the REST, account and socket helpers around it.
 *
 * Test code only: nothing that ships imports it (a lint rule says so), and the API image
 * leaves this folder out.
 */
export * from './helpers';
export * from './api-process';
export * from './fixtures';
export type { App } from '../src/app';
export type { Config } from '../src/config';
export type { Store } from '../src/store/types';
export { openSqliteStore, type SqliteStore } from '../src/store/sqlite/index';
