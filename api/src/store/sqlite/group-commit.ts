import type { Database } from 'better-sqlite3';
import { StoreUnavailable } from '../types';
import { isUnavailable, toStoreError } from './errors';

/** At most this many writes share one transaction; a longer queue takes several. */
const MAX_GROUP = 1000;

interface PendingWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommit {
  /**
   * Queues `work` (synchronous database writes, and the reads they depend on) for the next
   * group commit and resolves with its result once that commit is durable.
   */
  write<T>(work: () => T): Promise<T>;
  /** Commits whatever is queued now, synchronously. */
  flush(): void;
  /** Transactions committed so far (fewer than writes means grouping happened). */
  readonly committed: number;
  /**
   * Runs `work` inside every group's transaction after its writes (outside their
   * savepoints), so it sees all of them at once; a throw fails the whole group.
   */
  beforeCommit(work: () => void): void;
}

/**
 * Small writes are committed in groups: everything queued before the next turn of the event
 * loop goes into one BEGIN IMMEDIATE transaction, so a burst of messages, receipts and new
 * sessions costs one fsync instead of one each, and a lone write is not held back (it is
 * committed on the very next turn).
 *
 * Each write runs in its own SAVEPOINT: one that throws (say, a message for a conversation
 * that does not exist) is rolled back alone and the rest of its group still commits. Trouble
 * with the database itself (locked, read-only, I/O) fails the whole group: nothing of it was
 * committed, so nothing of it may be acknowledged.
 */
export function createGroupCommit(db: Database, isClosed: () => boolean): GroupCommit {
  // Nested inside the group's transaction, better-sqlite3 runs this as a SAVEPOINT.
  const inSavepoint = db.transaction((work: () => unknown) => work());
  const beforeCommit: (() => void)[] = [];
  const commitGroup = db.transaction((group: readonly PendingWrite[]): Outcome[] => {
    const outcomes = group.map((pending): Outcome => {
      try {
        return { ok: true, value: inSavepoint(pending.work) };
      } catch (error) {
        // Rethrown, the outer transaction rolls back and every write of the group fails.
        if (isUnavailable(error)) throw error;
        return { ok: false, error };
      }
    });
    for (const work of beforeCommit) work();
    return outcomes;
  });

  let queue: PendingWrite[] = [];
  let scheduled: NodeJS.Immediate | null = null;
  let committed = 0;

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    while (queue.length > 0) {
      const group = queue.slice(0, MAX_GROUP);
      queue = queue.slice(MAX_GROUP);
      if (isClosed()) {
        for (const pending of group) pending.reject(new StoreUnavailable('the store is closed'));
        continue;
      }
      let outcomes: Outcome[];
      try {
        outcomes = commitGroup.immediate(group);
        committed++;
      } catch (error) {
        const failure = toStoreError(error);
        for (const pending of group) pending.reject(failure);
        continue;
      }
      group.forEach((pending, i) => {
        const outcome = outcomes[i];
        if (!outcome) pending.reject(new Error('a grouped write produced no outcome'));
        else if (outcome.ok) pending.resolve(outcome.value);
        else pending.reject(toStoreError(outcome.error));
      });
    }
  }

  return {
    write<T>(work: () => T): Promise<T> {
      if (isClosed()) return Promise.reject(new StoreUnavailable('the store is closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        scheduled ??= setImmediate(flush);
      });
    },
    flush,
    get committed() {
      return committed;
    },
    beforeCommit(work) {
      beforeCommit.push(work);
    },
  };
}
