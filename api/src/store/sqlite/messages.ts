import { randomUUID } from 'node:crypto';
import type { HistoryRange, MessageRecord, MessageStore, NewMessage } from '../types';
import type { SqliteContext } from './context';
import { MESSAGE_COLUMNS, toMessage } from './rows';
import type { MessageRow } from './rows';

type AppendResult = { message: MessageRecord; created: boolean };

export function createMessageStore(context: SqliteContext): MessageStore {
  const { db, run, group } = context;
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

  // Runs inside a group commit, in its own savepoint (group-commit.ts): a burst of messages
  // shares one transaction and one fsync, and one refused message is rolled back alone.
  const appendOne = (input: NewMessage): AppendResult => {
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
  };

  return {
    append: (input) => group.write(() => appendOne(input)),
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
  };
}
