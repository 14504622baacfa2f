import type { Database } from 'better-sqlite3';
import { StoreUnavailable } from '../types';
import { isUnavailable, toStoreError } from './errors';
import { createWriteTurn, type WriteTurn } from './write-turn';

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
  /** Taken around every group's transaction: see write-turn.ts. */
  readonly turn: WriteTurn;
  /**
   * Runs inside every group's transaction after its writes; a throw fails the group. The
   * search index uses it to index new messages in their own commit when no thread does.
   */
  inTransaction: (() => void) | null;
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
    self.inTransaction?.();
    return outcomes;
  });

  let queue: PendingWrite[] = [];
  let scheduled: NodeJS.Immediate | null = null;
  let committed = 0;
  const turn = createWriteTurn();
  /** Waiting for the indexer to give the turn back; its end schedules the flush. */
  let waiting = false;

  /** Commits what is queued once the turn is free, without blocking the event loop. */
  function flushWhenFree(): void {
    scheduled = null;
    if (queue.length === 0) return;
    // Taken by the search indexer for one short batch: the loop serves sockets meanwhile (no
    // spinning), and writes queued meanwhile join the group.
    if (!turn.tryTake()) {
      waiting = true;
      void turn.freed().then(() => {
        waiting = false;
        scheduled ??= setImmediate(flushWhenFree);
      });
      return;
    }
    commitQueued();
  }

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    if (queue.length === 0) return;
    turn.take();
    commitQueued();
  }

  /** Holding the turn: commits the queue, then gives the turn back. */
  function commitQueued(): void {
    const before = committed;
    try {
      commitHeld();
    } finally {
      turn.give();
    }
    if (committed > before) turn.committed();
  }

  function commitHeld(): void {
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

  const self: GroupCommit = {
    write<T>(work: () => T): Promise<T> {
      if (isClosed()) return Promise.reject(new StoreUnavailable('the store is closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!waiting) scheduled ??= setImmediate(flushWhenFree);
      });
    },
    flush,
    get committed() {
      return committed;
    },
    turn,
    inTransaction: null,
  };
  return self;
}
