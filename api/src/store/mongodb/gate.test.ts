import { mongo } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { StoreUnavailable } from '../types';
import { KeyedQueue, OperationGate } from './gate';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('OperationGate', () => {
  it('lets close wait for operations already running, then releases once', async () => {
    const gate = new OperationGate();
    const step = deferred();
    const events: string[] = [];
    const running = gate.run(async () => {
      await step.promise;
      events.push('operation done');
      return 7;
    });
    let releases = 0;
    const release = () => {
      releases++;
      events.push('released');
      return Promise.resolve();
    };
    const closing = gate.close(release);
    const closingAgain = gate.close(release);
    step.resolve();
    expect(await running).toBe(7);
    await Promise.all([closing, closingAgain]);
    expect(events).toEqual(['operation done', 'released']);
    expect(releases).toBe(1);
  });

  it('refuses operations that start after close with StoreUnavailable', async () => {
    const gate = new OperationGate();
    await gate.close(() => Promise.resolve());
    let ran = false;
    await expect(
      gate.run(() => {
        ran = true;
        return Promise.resolve();
      }),
    ).rejects.toBeInstanceOf(StoreUnavailable);
    expect(ran).toBe(false);
  });

  it('still closes when a running operation fails', async () => {
    const gate = new OperationGate();
    const failing = gate.run(() => Promise.reject(new TypeError('bug')));
    await gate.close(() => Promise.resolve());
    await expect(failing).rejects.toBeInstanceOf(TypeError);
  });

  it('translates driver errors into the port vocabulary', async () => {
    const gate = new OperationGate();
    const refused = gate.run(() => Promise.reject(new mongo.MongoNetworkError('reset')));
    await expect(refused).rejects.toBeInstanceOf(StoreUnavailable);
  });
});

describe('KeyedQueue', () => {
  it('runs tasks of one key one after another, in arrival order', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    const first = deferred();
    const a = queue.run('c1', async () => {
      order.push('a start');
      await first.promise;
      order.push('a end');
    });
    const b = queue.run('c1', () => {
      order.push('b');
      return Promise.resolve();
    });
    await Promise.resolve();
    expect(order).toEqual(['a start']);
    first.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(['a start', 'a end', 'b']);
  });

  it('does not hold up other keys', async () => {
    const queue = new KeyedQueue();
    const blocker = deferred();
    const blocked = queue.run('c1', () => blocker.promise);
    await expect(queue.run('c2', () => Promise.resolve('free'))).resolves.toBe('free');
    blocker.resolve();
    await blocked;
  });

  it('goes on with the next task after one fails', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('c1', () => Promise.reject(new Error('boom')));
    const next = queue.run('c1', () => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('refuses a task at once while `cap` of its key are waiting, and takes new ones as they drain', async () => {
    const queue = new KeyedQueue(2);
    const blocker = deferred();
    const running = queue.run('c1', () => blocker.promise);
    const waiting = queue.run('c1', () => Promise.resolve('second'));
    await expect(queue.run('c1', () => Promise.resolve('third'))).rejects.toBeInstanceOf(
      StoreUnavailable,
    );
    // Other keys are not affected.
    await expect(queue.run('c2', () => Promise.resolve('free'))).resolves.toBe('free');
    blocker.resolve();
    await running;
    await expect(waiting).resolves.toBe('second');
    await expect(queue.run('c1', () => Promise.resolve('later'))).resolves.toBe('later');
  });
});
