/**
 * Set up before every browser test file: when a test fails, what the open pages show is
 * saved (see failure-trace.ts) and the folder is printed with the failure.
 */
import { beforeEach } from 'vitest';
import { saveFailureTrace } from './failure-trace';

beforeEach(({ task, onTestFailed }) => {
  onTestFailed(async () => {
    const dir = await saveFailureTrace(task.name);
    if (dir !== null) console.error(`[e2e] "${task.name}" failed; its pages are saved in ${dir}`);
  });
});
