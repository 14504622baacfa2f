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
 * Runs tasks that share a key one after another, in arrival order, and tasks with
 * different keys independently. Keys are forgotten once their queue drains.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
