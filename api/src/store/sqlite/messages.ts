import { randomUUID } from 'node:crypto';
import type { HistoryRange, MessageRecord, MessageStore, NewMessage } from '../types';
import { StoreUnavailable } from '../types';
import type { SqliteContext } from './context';
import { isUnavailable, toStoreError } from './errors';
import { MESSAGE_COLUMNS, toMessage } from './rows';
import type { MessageRow } from './rows';

type AppendResult = { message: MessageRecord; created: boolean };
type Outcome = { ok: true; value: AppendResult } | { ok: false; error: unknown };

interface PendingAppend {
  input: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Appends are written in groups: everything queued before the next turn of the event loop
 * goes into one transaction, so a burst of messages costs one fsync instead of one each.
 * A lone message is not held back; it is written on the very next turn.
 */
const MAX_BATCH = 1000;

export interface SqliteMessageStore extends MessageStore {
  /** Writes whatever is queued now, synchronously. */
  flush(): void;
  /** Transactions written so far (for tests and the benchmark: shows batching happens). */
  readonly batchesWritten: number;
}

export function createMessageStore(context: SqliteContext): SqliteMessageStore {
  const { db, run } = context;
  const byClientId = db.prepare<[string, string, string], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
     WHERE conversation_id = ? AND sender_id = ? AND client_id = ?`,
  );
  // seq comes from the conversation row inside the write transaction, never from this
  // process's memory: another process may have appended since.
  const nextSeq = db.prepare<[number, string], { last_seq: number }>(
    `UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = ?
     WHERE id = ? RETURNING last_seq`,
  );
  const insert = db.prepare<[MessageRow]>(
    `INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, created_at)
     VALUES (@id, @conversation_id, @seq, @sender_id, @client_id, @body, @created_at)`,
  );
  const newest = db.prepare<[string, number], MessageRow>(
    `SELECT * FROM (
       SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?
     ) ORDER BY seq`,
  );
  const before = db.prepare<[string, number, number], MessageRow>(
    `SELECT * FROM (
       SELECT ${MESSAGE_COLUMNS} FROM messages
       WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?
     ) ORDER BY seq`,
  );
  const after = db.prepare<[string, number, number, number], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
     WHERE conversation_id = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`,
  );

  // Nested inside the batch transaction, better-sqlite3 runs this as a SAVEPOINT: one
  // refused message (say, an unknown conversation) is rolled back alone and the rest of
  // its batch still commits.
  const appendOne = db.transaction((input: NewMessage): AppendResult => {
    const existing = byClientId.get(input.conversationId, input.senderId, input.clientId);
    if (existing) return { message: toMessage(existing), created: false };
    const createdAt = Date.now();
    const bumped = nextSeq.get(createdAt, input.conversationId);
    if (!bumped) throw new Error(`conversation ${input.conversationId} does not exist`);
    const row: MessageRow = {
      id: randomUUID(),
      conversation_id: input.conversationId,
      seq: bumped.last_seq,
      sender_id: input.senderId,
      client_id: input.clientId,
      body: input.body,
      created_at: createdAt,
    };
    insert.run(row);
    return { message: toMessage(row), created: true };
  });

  const writeBatch = db.transaction((inputs: readonly NewMessage[]): Outcome[] =>
    inputs.map((input): Outcome => {
      try {
        return { ok: true, value: appendOne(input) };
      } catch (error) {
        // Trouble with the database itself dooms the whole batch: rethrow so the outer
        // transaction rolls back and every waiting append is rejected.
        if (isUnavailable(error)) throw error;
        return { ok: false, error };
      }
    }),
  );

  let queue: PendingAppend[] = [];
  let scheduled: NodeJS.Immediate | null = null;
  let batchesWritten = 0;

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      if (context.isClosed()) {
        for (const p of batch) p.reject(new StoreUnavailable('the store is closed'));
        continue;
      }
      let outcomes: Outcome[];
      try {
        outcomes = writeBatch.immediate(batch.map((p) => p.input));
        batchesWritten++;
      } catch (error) {
        // Nothing of this batch was committed, so nothing of it may be acknowledged.
        const failure = toStoreError(error);
        for (const p of batch) p.reject(failure);
        continue;
      }
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        if (!outcome) p.reject(new Error('append produced no outcome'));
        else if (outcome.ok) p.resolve(outcome.value);
        else p.reject(toStoreError(outcome.error));
      });
    }
  }

  return {
    append(input) {
      if (context.isClosed()) return Promise.reject(new StoreUnavailable('the store is closed'));
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        scheduled ??= setImmediate(flush);
      });
    },
    list: (conversationId, range: HistoryRange) =>
      run(() => {
        const limit = Math.max(0, Math.floor(range.limit));
        if (limit === 0) return [];
        let rows: MessageRow[];
        if (range.after !== undefined) {
          // Catching up: the oldest `limit` after the cursor (and before `before`, if given).
          rows = after.all(
            conversationId,
            range.after,
            range.before ?? Number.MAX_SAFE_INTEGER,
            limit,
          );
        } else if (range.before !== undefined) {
          rows = before.all(conversationId, range.before, limit);
        } else {
          rows = newest.all(conversationId, limit);
        }
        return rows.map(toMessage);
      }),
    flush,
    get batchesWritten() {
      return batchesWritten;
    },
  };
}
