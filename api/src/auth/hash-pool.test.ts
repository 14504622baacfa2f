import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { createHashPool, HASH_THREAD_NICENESS, type HashPool } from './hash-pool';
import { ARGON2ID } from './passwords';
import { SCHED_IDLE, threadPolicies } from '../../test/helpers';

const OPTIONS = { algorithm: ARGON2ID, memoryCost: 512, timeCost: 2, parallelism: 1 };

/** Nice value of each thread of this process (Linux). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after "(comm) ": state is field 3, nice is field 19.
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return Number(fields[16]);
  });
}

describe('password hashing threads', () => {
  let pool: HashPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  test('hash and verify round-trip on the threads', async () => {
    pool = createHashPool(2);
    const [one, two] = await Promise.all([
      pool.hash('correct horse', OPTIONS),
      pool.hash('correct horse', OPTIONS),
    ]);
    expect(one).toMatch(/^\$argon2id\$v=19\$m=512,t=2,p=1\$/);
    expect(one).not.toBe(two); // own salt each
    expect(await pool.verify(one, 'correct horse')).toBe(true);
    expect(await pool.verify(two, 'wrong horse')).toBe(false);
    await expect(pool.verify('not a hash', 'correct horse')).rejects.toThrow();
    // Still serving after a job failed.
    expect(await pool.verify(one, 'correct horse')).toBe(true);
  });

  test.runIf(process.platform === 'linux')(
    'hashes at a lowered priority, leaving the event loop thread at its own',
    async () => {
      const before = threadNiceness().filter((n) => n === HASH_THREAD_NICENESS).length;
      pool = createHashPool(1);
      await pool.hash('pw', OPTIONS);
      const after = threadNiceness();
      expect(after.filter((n) => n === HASH_THREAD_NICENESS).length).toBe(before + 1);
      // The process (its main thread) keeps its priority.
      expect(after[0]).toBe(0);
    },
  );

  test.runIf(process.platform === 'linux')(
    'hashes under SCHED_IDLE, leaving the event loop thread under the normal policy',
    async () => {
      const before = threadPolicies().filter((p) => p === SCHED_IDLE).length;
      pool = createHashPool(1);
      await pool.hash('pw', OPTIONS);
      const after = threadPolicies();
      expect(after.filter((p) => p === SCHED_IDLE).length).toBe(before + 1);
      expect(after[0]).toBe(0);
    },
  );

  test.runIf(process.platform === 'linux')(
    'without chrt on PATH, hashes at the nice value alone',
    async () => {
      const idle = threadPolicies().filter((p) => p === SCHED_IDLE).length;
      const niced = threadNiceness().filter((n) => n === HASH_THREAD_NICENESS).length;
      const path = process.env.PATH;
      // A worker thread takes a copy of the environment when it starts.
      process.env.PATH = '';
      try {
        pool = createHashPool(1);
        expect(await pool.verify(await pool.hash('pw', OPTIONS), 'pw')).toBe(true);
      } finally {
        process.env.PATH = path;
      }
      expect(threadPolicies().filter((p) => p === SCHED_IDLE).length).toBe(idle);
      expect(threadNiceness().filter((n) => n === HASH_THREAD_NICENESS).length).toBe(niced + 1);
    },
  );

  test('refuses work once closed, and ends its threads', async () => {
    const threads = () =>
      process.platform === 'linux' ? readdirSync('/proc/self/task').length : Number.NaN;
    pool = createHashPool(1);
    await pool.hash('pw', OPTIONS);
    const running = threads();
    await pool.close();
    if (process.platform === 'linux') expect(threads()).toBeLessThan(running);
    await expect(pool.hash('pw', OPTIONS)).rejects.toThrow(/closed/);
  });
});
