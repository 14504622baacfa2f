import { randomBytes } from 'node:crypto';
import type { Algorithm } from '@node-rs/argon2';
import type { Argon2Params } from '../config';
import { ApiError } from '../http/errors';
import { createHashPool } from './hash-pool';

/**
 * @node-rs/argon2 declares its algorithms as a `const enum` (its runtime `Algorithm` export
 * is an empty object), which isolated modules cannot read: these are its values.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-assignment */
export const ARGON2I = 1 as Algorithm;
export const ARGON2ID = 2 as Algorithm;
/* eslint-enable @typescript-eslint/no-unsafe-enum-assignment */

/**
 * A counting semaphore with a bounded waiting line, in front of the hashing threads: a login
 * burst queues here (and past `maxWaiting` is told to retry) instead of piling up hashes,
 * each of which holds `memoryCost` KiB while it runs.
 *
 * Fair between owners (client addresses): each owner waits in a line of its own, at most
 * `maxWaitingPerOwner` long, and a freed slot goes to the owners in turn. One address
 * flooding logins therefore cannot fill the line nor stand in front of everyone else: a
 * user at another address waits for at most one hash per other waiting address.
 */
export class Semaphore {
  private active = 0;
  private waitingCount = 0;
  /** Map order is the rotation: an owner served goes to the back. */
  private readonly lines = new Map<string, (() => void)[]>();

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Tasks holding a slot. */
  get running(): number {
    return this.active;
  }

  constructor(
    private readonly slots: number,
    private readonly maxWaiting: number = Number.POSITIVE_INFINITY,
    private readonly maxWaitingPerOwner: number = Number.POSITIVE_INFINITY,
  ) {}

  async run<T>(task: () => Promise<T>, owner = ''): Promise<T> {
    if (this.active >= this.slots) {
      const line = this.lines.get(owner);
      if (this.waitingCount >= this.maxWaiting || (line?.length ?? 0) >= this.maxWaitingPerOwner) {
        throw new ApiError('rate_limited', 'The server is busy. Try again shortly.', undefined, 1);
      }
      await new Promise<void>((resolve) => {
        if (line) line.push(resolve);
        else this.lines.set(owner, [resolve]);
        this.waitingCount++;
      });
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      this.handOver();
    }
  }

  /** The slot passes straight to the next owner's first waiter, so `active` stays the same. */
  private handOver(): void {
    const first = this.lines.entries().next();
    if (first.done === true) {
      this.active--;
      return;
    }
    const [owner, line] = first.value;
    const next = line.shift();
    this.lines.delete(owner);
    if (line.length > 0) this.lines.set(owner, line);
    this.waitingCount--;
    next?.();
  }
}

/** `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`; the order of m/t/p varies between encoders. */
const PHC_ARGON2 = /^\$(argon2(?:id|i|d))\$v=(\d+)\$([a-z]=\d+(?:,[a-z]=\d+)*)\$/;

function phcParams(passwordHash: string) {
  const match = PHC_ARGON2.exec(passwordHash);
  if (!match) return null;
  const [, type, version, list] = match;
  const params = new Map((list ?? '').split(',').map((pair) => [pair[0], Number(pair.slice(2))]));
  return {
    type,
    version: Number(version),
    memoryCost: params.get('m') ?? 0,
    timeCost: params.get('t') ?? 0,
    parallelism: params.get('p') ?? 0,
  };
}

/**
 * `owner` (the client address) is whose turn a hash takes in the fair waiting line; a
 * full line refuses with ApiError('rate_limited') before any work is done.
 */
export interface PasswordHasher {
  hash(password: string, owner?: string): Promise<string>;
  /** False for a wrong password and for a hash this build cannot read. */
  verify(passwordHash: string, password: string, owner?: string): Promise<boolean>;
  /**
   * Spends the same work as a real verify against a hash of the configured cost, so an
   * unknown username takes as long to refuse as a wrong password.
   */
  verifyDummy(password: string, owner?: string): Promise<void>;
  /** True when the stored hash is weaker than the configured parameters (or not argon2id). */
  needsRehash(passwordHash: string): boolean;
  /** Hashes waiting for a thread and hashes running now (for metrics). */
  queue(): { waiting: number; running: number };
  /** Ends the hashing threads. */
  close(): Promise<void>;
}

export function createPasswordHasher(
  params: Argon2Params,
  options: { concurrency: number; maxWaiting?: number; maxWaitingPerOwner?: number },
): PasswordHasher {
  const gate = new Semaphore(options.concurrency, options.maxWaiting, options.maxWaitingPerOwner);
  // As many hashing threads as slots, created when first needed.
  const pool = createHashPool(options.concurrency);
  const hashOptions = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  } as const;

  let dummyHash: Promise<string> | undefined;
  const dummy = (): Promise<string> => {
    dummyHash ??= gate.run(() => pool.hash(randomBytes(32), hashOptions));
    return dummyHash;
  };

  return {
    hash: (password, owner) => gate.run(() => pool.hash(password, hashOptions), owner),
    verify: (passwordHash, password, owner) =>
      gate.run(async () => {
        try {
          return await pool.verify(passwordHash, password);
        } catch {
          // A malformed stored hash must not turn a login into a 500 or leak its shape.
          return false;
        }
      }, owner),
    verifyDummy: async (password, owner) => {
      const hash = await dummy();
      await gate.run(() => pool.verify(hash, password), owner);
    },
    close: () => pool.close(),
    queue: () => ({ waiting: gate.waiting, running: gate.running }),
    needsRehash: (passwordHash) => {
      const stored = phcParams(passwordHash);
      if (!stored) return true;
      return (
        stored.type !== 'argon2id' ||
        stored.version < 0x13 ||
        stored.memoryCost < params.memoryCost ||
        stored.timeCost < params.timeCost ||
        stored.parallelism < params.parallelism
      );
    },
  };
}
