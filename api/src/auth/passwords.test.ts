import * as argon2 from '@node-rs/argon2';
import { describe, expect, test } from 'vitest';
import { ApiError } from '../http/errors';
import { ARGON2I, ARGON2ID, Semaphore, createPasswordHasher } from './passwords';

describe('Semaphore', () => {
  test('never runs more tasks at once than it has slots, and runs them all', async () => {
    const gate = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const task = async (n: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return n;
    };
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => gate.run(() => task(n))));
    expect(results).toEqual([1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
  });

  test('refuses with rate_limited once the waiting line is full, and frees slots after errors', async () => {
    const gate = new Semaphore(1, 1);
    let release = () => {};
    const blocker = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = gate.run(() => Promise.reject(new Error('boom')));
    await expect(gate.run(() => Promise.resolve('x'))).rejects.toSatisfy(
      (err) => err instanceof ApiError && err.code === 'rate_limited',
    );
    release();
    await blocker;
    await expect(waiting).rejects.toThrow('boom');
    await expect(gate.run(() => Promise.resolve('after'))).resolves.toBe('after');
  });

  test("serves waiting owners in turn and caps each owner's line", async () => {
    const gate = new Semaphore(1, 100, 3);
    let release = () => {};
    const blocker = gate.run(() => new Promise<void>((resolve) => (release = resolve)), 'flood');
    const order: string[] = [];
    const job = (owner: string) =>
      gate.run(async () => {
        order.push(owner);
        await Promise.resolve();
      }, owner);
    const flood = [job('flood'), job('flood'), job('flood')];
    // The flooding owner's line is full; another owner still gets in line.
    await expect(job('flood')).rejects.toSatisfy(
      (err) => err instanceof ApiError && err.code === 'rate_limited',
    );
    const user = job('user');
    release();
    await Promise.all([blocker, ...flood, user]);
    // The user, though last to arrive, went second: owners take turns.
    expect(order).toEqual(['flood', 'user', 'flood', 'flood']);
  });
});

describe('password hasher', () => {
  const params = { memoryCost: 512, timeCost: 2, parallelism: 1 };
  const hasher = createPasswordHasher(params, { concurrency: 2 });

  test('hashes with argon2id at the configured cost and verifies', async () => {
    const hash = await hasher.hash('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(hash).toContain('m=512');
    expect(await hasher.verify(hash, 'correct horse')).toBe(true);
    expect(await hasher.verify(hash, 'wrong horse')).toBe(false);
    expect(await hasher.verify('not a hash', 'correct horse')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  test('verifies hashes written by the node-argon2 library that earlier builds used', async () => {
    // Encoded by argon2@0.45 (note its m,p,t order): users registered before the switch to
    // @node-rs/argon2 must still be able to log in.
    const legacy =
      '$argon2id$v=19$m=512,p=1,t=2$SRmGOPU5npWY+9as8Hm/ug$ePgft4HsEH05ZWqK1qlh+8fEGc/dSHfsUgfxUqviV84';
    expect(await hasher.verify(legacy, 'correct horse')).toBe(true);
    expect(await hasher.verify(legacy, 'correct horsE')).toBe(false);
    expect(hasher.needsRehash(legacy)).toBe(false);
  });

  test('asks for a rehash only when the stored hash is weaker or not argon2id', async () => {
    const make = (options: argon2.Options) =>
      argon2.hash('pw', { ...params, algorithm: ARGON2ID, ...options });
    expect(hasher.needsRehash(await make({ memoryCost: 256 }))).toBe(true);
    expect(hasher.needsRehash(await make({ timeCost: 1 }))).toBe(true);
    expect(hasher.needsRehash(await make({ algorithm: ARGON2I }))).toBe(true);
    expect(hasher.needsRehash(await make({ memoryCost: 1024, timeCost: 3 }))).toBe(false);
    expect(hasher.needsRehash('$2b$10$bcryptlooking')).toBe(true);
  });
});
