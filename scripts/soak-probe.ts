/**
 * Loaded into the API process by the soak script (`node --import tsx --import <this>`),
 * so the API itself needs no debug endpoint: every second it appends one JSON line with
 * RSS, heap and open handles to the file named by SOAK_METRICS_FILE.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.SOAK_METRICS_FILE;
if (file !== undefined && file !== '') {
  const gc = (globalThis as { gc?: () => void }).gc;
  const timer = setInterval(() => {
    // With --expose-gc the heap is measured after a full collection, so the trend is
    // retained memory, not garbage waiting for the next cycle.
    gc?.();
    const memory = process.memoryUsage();
    const sample = {
      t: Date.now(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      external: memory.external,
      handles: process.getActiveResourcesInfo().length,
    };
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  }, 1_000);
  // The probe must never be what keeps the API alive.
  timer.unref();
}
