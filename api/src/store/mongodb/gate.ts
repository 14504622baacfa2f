import { StoreUnavailable } from '../types';
import { toStoreError } from './errors';

/**
 * Every store operation runs through the gate, which
 * - translates driver errors into the port's (UniqueViolation, StoreUnavailable),
 * - lets `close()` wait for operations already under way (an append is several round
 *   trips; closing the connection in the middle would fail a message the caller was
 *   about to be told is stored), and
 * - refuses operations that start after `close()` with StoreUnavailable rather than
 *   letting them reach a closing driver.
 */
export class OperationGate {
  private readonly pending = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;

  run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing) {
      return Promise.reject(new StoreUnavailable('the MongoDB store is closed'));
    }
    const running = (async () => {
      try {
        return await operation();
      } catch (err) {
        throw toStoreError(err);
      }
    })();
    this.pending.add(running);
    const forget = () => this.pending.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Stops new operations, waits for the running ones, then runs `release` once. */
  close(release: () => Promise<void>): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.pending]);
      await release();
    })();
    return this.closing;
  }
}

/**
 * How many operations of one conversation may wait in one process. An append normally
 * takes milliseconds; a queue this long means the database is not answering (a failover
 * or an outage), and every waiting send would fail one after another, each only after
 * its own timeout. Past the cap a new one is refused at once with StoreUnavailable (503
 * with Retry-After): the client retries later with the same clientId.
 */
export const DEFAULT_QUEUE_CAP = 100;

/**
 * Runs tasks that share a key one after another, in arrival order, and tasks with
 * different keys independently. Keys are forgotten once their queue drains. At most
 * `cap` tasks of one key are queued or running; more are refused with StoreUnavailable.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly counts = new Map<string, number>();

  constructor(private readonly cap: number = DEFAULT_QUEUE_CAP) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.cap) {
      return Promise.reject(
        new StoreUnavailable(`${count} operations of ${key} are already waiting for the database`),
      );
    }
    this.counts.set(key, count + 1);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left <= 0) this.counts.delete(key);
      else this.counts.set(key, left);
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
