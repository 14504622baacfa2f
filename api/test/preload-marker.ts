/**
 * A TypeScript module preloaded into the API process by a test (`--import`), standing in
 * for the profilers and probes operators load the same way. Only the main thread, which
 * runs under the TypeScript loader, can load it.
 */
Object.assign(globalThis, { preloadedForTest: true });
