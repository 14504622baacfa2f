import { randomUUID } from 'node:crypto';
import { LIMITS, codePointPrefix } from '@chat/protocol';
import { StoreUnavailable, aroundOf } from '../types';
import type {
  HistoryRange,
  MessageSearch,
  MessageChange,
  MessageRecord,
  MessageStore,
  MessageVersion,
  NewMessage,
  ReactionRecord,
} from '../types';
import type { Database, Statement } from 'better-sqlite3';
import type { SqliteContext } from './context';
import { MESSAGE_COLUMNS, MESSAGE_FIELDS, messageOfValues, toMessage } from './rows';
import type { MessageRow } from './rows';
import type { SearchIndex } from './search-file';

/**
 * History reads take each row as one string, the JSON array of its MESSAGE_FIELDS, and
 * parse it here: better-sqlite3 spends about 100 ns on every value it hands to JavaScript,
 * and a page of 50 has 900 of them (one `JSON.parse` per row costs much less).
 */
const MESSAGE_JSON = `json_array(${MESSAGE_COLUMNS})`;
type AppendResult = { message: MessageRecord; created: boolean };

/**
 * Every write here (appends and changes alike) runs inside a group commit (BEGIN
 * IMMEDIATE, see group-commit.ts), so it reads and writes the message and its
 * conversation's counters as one step: no other write, from this process or another,
 * comes in between. That is what keeps revs unique and increasing, lets two reactions at
 * once both count, and makes an edit or a reaction racing a deletion land wholly before
 * it (and be erased by it) or find the tombstone.
 */
export function createMessageStore(context: SqliteContext, index: SearchIndex): MessageStore {
  const { db, run, group } = context;
  const byClientId = db.prepare<[string, string, string], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
     WHERE conversation_id = ? AND sender_id = ? AND client_id = ?`,
  );
  const bySeq = db.prepare<[string, number], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq = ?`,
  );
  // seq and rev come from the conversation row inside the write transaction, never from
  // this process's memory: another process may have written since.
  const nextSeq = db.prepare<[number, string], { last_seq: number; rev: number }>(
    `UPDATE conversations SET last_seq = last_seq + 1, rev = rev + 1, last_activity_at = ?
     WHERE id = ? RETURNING last_seq, rev`,
  );
  const nextRev = db.prepare<[string], { rev: number }>(
    'UPDATE conversations SET rev = rev + 1 WHERE id = ? RETURNING rev',
  );
  const insert = db.prepare<[MessageRow]>(
    `INSERT INTO messages (${MESSAGE_COLUMNS})
     VALUES (@id, @conversation_id, @seq, @sender_id, @client_id, @body, @created_at, @kind,
             @system, @rev, @edited_at, @deleted_at, @reply_to_seq, @reply_sender_id,
             @reply_excerpt, @reply_deleted, @reactions, @mentions, @has_attachments)`,
  );
  // Changes find their row by (conversation_id, seq), the index every read uses.
  const saveEdit = db.prepare<[string, string, number, number, string, number]>(
    `UPDATE messages SET body = ?, mentions = ?, edited_at = ?, rev = ?
     WHERE conversation_id = ? AND seq = ?`,
  );
  // Overwrites the content (secure_delete zeroes the freed bytes in the file too).
  const saveTombstone = db.prepare<[number, number, string, number]>(
    `UPDATE messages SET body = '', reactions = '[]', mentions = '[]', deleted_at = ?, rev = ?
     WHERE conversation_id = ? AND seq = ?`,
  );
  const saveReactions = db.prepare<[string, number, string, number]>(
    'UPDATE messages SET reactions = ?, rev = ? WHERE conversation_id = ? AND seq = ?',
  );
  const quotingReplies = db.prepare<[string, number], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
     WHERE conversation_id = ? AND reply_to_seq = ? AND reply_deleted = 0
     ORDER BY seq`,
  );
  const eraseQuote = db.prepare<[number, string, number]>(
    `UPDATE messages SET reply_excerpt = '', reply_deleted = 1, rev = ?
     WHERE conversation_id = ? AND seq = ?`,
  );
  // A history page's rows as JSON strings (MESSAGE_JSON), and the same page's versions
  // (VERSION_COLUMNS, as arrays) for `listKnown`.
  const pageRows = pageStatements<string>(db, MESSAGE_JSON, 'pluck');
  const pageVersions = pageStatements<VersionValues>(db, VERSION_COLUMNS, 'raw');
  // The messages of a page the caller does not hold, by seq (a JSON array of them).
  const bySeqs = db
    .prepare<[string, string], string>(
      `SELECT ${MESSAGE_JSON} FROM messages
       WHERE conversation_id = ? AND seq IN (SELECT value FROM json_each(?))`,
    )
    .pluck(true);

  // Walks the index's matches newest first (descending key, which is the order messages
  // were stored) and stops at `limit`. The caller's conversations are part of the
  // full-text query itself when they are few (see `ftsMatch`), so the index intersects
  // them with the words and the cost follows their messages, not the whole table; for
  // someone in very many, their messages are a large share anyway and the walk finds them
  // early. Membership is also checked in the statement against the table, so a member
  // removed a moment ago finds nothing there any more. It runs on the index's own reader
  // (the search file attached; search-file.ts), never on the connection that writes.
  const reader = index.reader;
  const searchSql = (paged: boolean) =>
    reader?.prepare<[SearchParams], MessageRow>(
      `SELECT ${MESSAGE_FIELDS.map((field) => `m.${field}`).join(', ')}
       FROM search.messages_fts f JOIN messages m ON m.key = f.rowid
       WHERE messages_fts MATCH @match
         ${paged ? 'AND f.rowid < (SELECT key FROM messages WHERE id = @beforeId)' : ''}
         AND m.kind = 'text' AND m.deleted_at IS NULL
         AND m.conversation_id IN (
           SELECT conversation_id FROM conversation_members WHERE user_id = @userId)
       ORDER BY f.rowid DESC
       LIMIT @limit`,
    );
  const searchFirst = searchSql(false);
  const searchAfter = searchSql(true);
  const memberOf = reader?.prepare<[string], { id: string }>(
    'SELECT conversation_id AS id FROM conversation_members WHERE user_id = ?',
  );

  // One read transaction: the conversations and the matches from one snapshot.
  const search = reader?.transaction((query: MessageSearch): MessageRecord[] => {
    const limit = Math.max(0, Math.floor(query.limit));
    if (!searchFirst || !searchAfter || !memberOf) return [];
    if (limit === 0 || query.terms.length === 0) return [];
    const mine = memberOf.all(query.userId).map((row) => row.id);
    const within =
      query.conversationId === undefined ? mine : mine.filter((id) => id === query.conversationId);
    if (within.length === 0) return [];
    const params: SearchParams = {
      userId: query.userId,
      match: ftsMatch(query.terms, within.length <= CONVERSATIONS_IN_QUERY_MAX ? within : null),
      beforeId: query.beforeId ?? null,
      limit,
    };
    return (query.beforeId === undefined ? searchFirst : searchAfter).all(params).map(toMessage);
  });

  const takeRev = (conversationId: string): number => {
    const bumped = nextRev.get(conversationId);
    if (!bumped) throw new Error(`conversation ${conversationId} does not exist`);
    return bumped.rev;
  };

  // Runs inside a group commit, in its own savepoint (group-commit.ts): a burst of messages
  // shares one transaction and one fsync, and one refused message is rolled back alone.
  const appendOne = (input: NewMessage): AppendResult => {
    const existing = byClientId.get(input.conversationId, input.senderId, input.clientId);
    if (existing) return { message: toMessage(existing), created: false };
    const createdAt = Date.now();
    const bumped = nextSeq.get(createdAt, input.conversationId);
    if (!bumped) throw new Error(`conversation ${input.conversationId} does not exist`);
    const quoted =
      input.replyToSeq === undefined
        ? undefined
        : bySeq.get(input.conversationId, input.replyToSeq);
    const system = input.system ?? null;
    const row: MessageRow = {
      id: timeOrderedId(),
      conversation_id: input.conversationId,
      seq: bumped.last_seq,
      sender_id: input.senderId,
      client_id: input.clientId,
      body: system ? '' : input.body,
      created_at: createdAt,
      kind: system ? 'system' : 'text',
      system: system ? JSON.stringify(system) : null,
      rev: bumped.rev,
      edited_at: null,
      deleted_at: null,
      reply_to_seq: quoted ? quoted.seq : null,
      reply_sender_id: quoted ? quoted.sender_id : null,
      reply_excerpt: quoted
        ? quoted.deleted_at === null
          ? codePointPrefix(quoted.body, LIMITS.replyExcerptMax)
          : ''
        : null,
      reply_deleted: quoted && quoted.deleted_at !== null ? 1 : 0,
      reactions: '[]',
      mentions: JSON.stringify(system ? [] : [...new Set(input.mentions ?? [])]),
      // Uploads are attached after the append; a trigger sets it then (migration 13).
      has_attachments: 0,
    };
    insert.run(row);
    return { message: toMessage(row), created: true };
  };

  const reread = (row: MessageRow): MessageRecord => {
    const fresh = bySeq.get(row.conversation_id, row.seq);
    if (!fresh) throw new Error('a message vanished while being changed');
    return toMessage(fresh);
  };

  const editOne = (
    conversationId: string,
    seq: number,
    change: { body: string; mentions: readonly string[] },
  ): MessageChange => {
    const row = bySeq.get(conversationId, seq);
    if (!row) return { status: 'missing' };
    if (row.deleted_at !== null) return { status: 'deleted', message: toMessage(row) };
    const mentions = JSON.stringify([...new Set(change.mentions)]);
    if (row.body === change.body && row.mentions === mentions) {
      return { status: 'unchanged', message: toMessage(row) };
    }
    saveEdit.run(change.body, mentions, Date.now(), takeRev(conversationId), conversationId, seq);
    return { status: 'changed', message: reread(row), affected: [] };
  };

  const removeOne = (conversationId: string, seq: number): MessageChange => {
    const row = bySeq.get(conversationId, seq);
    if (!row) return { status: 'missing' };
    if (row.deleted_at !== null) return { status: 'unchanged', message: toMessage(row) };
    saveTombstone.run(Date.now(), takeRev(conversationId), conversationId, seq);
    // The excerpts quoting it are copies of the erased body: they go too.
    const affected = quotingReplies.all(conversationId, seq).map((reply) => {
      eraseQuote.run(takeRev(conversationId), conversationId, reply.seq);
      return reread(reply);
    });
    return { status: 'changed', message: reread(row), affected };
  };

  const reactOne = (
    conversationId: string,
    seq: number,
    { userId, emoji, on }: { userId: string; emoji: string; on: boolean },
  ): MessageChange => {
    const row = bySeq.get(conversationId, seq);
    if (!row) return { status: 'missing' };
    const message = toMessage(row);
    if (row.deleted_at !== null) return on ? { status: 'deleted', message } : unchanged(message);
    const reactions = message.reactions;
    const entry = reactions.find((r) => r.emoji === emoji);
    let next: ReactionRecord[];
    if (on) {
      if (entry?.userIds.includes(userId)) return unchanged(message);
      if (!entry && reactions.length >= LIMITS.reactionsPerMessageMax) {
        return { status: 'too_many_reactions', message };
      }
      next = entry
        ? reactions.map((r) => (r === entry ? { emoji, userIds: [...r.userIds, userId] } : r))
        : [...reactions, { emoji, userIds: [userId] }];
    } else {
      if (!entry?.userIds.includes(userId)) return unchanged(message);
      next = reactions
        .map((r) => (r === entry ? { emoji, userIds: r.userIds.filter((u) => u !== userId) } : r))
        .filter((r) => r.userIds.length > 0);
    }
    saveReactions.run(JSON.stringify(next), takeRev(conversationId), conversationId, seq);
    return { status: 'changed', message: reread(row), affected: [] };
  };

  const records = (rows: readonly string[]) =>
    rows.map((json) => messageOfValues(JSON.parse(json) as unknown[]));

  // One read transaction: the versions and the records of the messages not held come
  // from one snapshot, so a page never mixes two states of the conversation.
  const listKnown = db.transaction(
    (
      conversationId: string,
      range: HistoryRange,
      holds: (seq: number, rev: number) => boolean,
    ): (MessageRecord | MessageVersion)[] => {
      const versions = pageVersions.page(conversationId, range).map(versionOf);
      const missing = versions.filter((v) => !holds(v.seq, v.rev)).map((v) => v.seq);
      if (missing.length === 0) return versions;
      const fetched = new Map<number, MessageRecord>();
      for (const record of records(bySeqs.all(conversationId, JSON.stringify(missing)))) {
        fetched.set(record.seq, record);
      }
      return versions.map((v) => fetched.get(v.seq) ?? v);
    },
  );

  return {
    append: (input) => group.write(() => appendOne(input)),
    list: (conversationId, range: HistoryRange) =>
      run(() => records(pageRows.page(conversationId, range))),
    listKnown: (conversationId, range, holds) => run(() => listKnown(conversationId, range, holds)),
    get: (conversationId, seq) =>
      run(() => {
        const row = bySeq.get(conversationId, seq);
        return row ? toMessage(row) : null;
      }),
    findByClientId: (conversationId, senderId, clientId) =>
      run(() => {
        const row = byClientId.get(conversationId, senderId, clientId);
        return row ? toMessage(row) : null;
      }),
    edit: (conversationId, seq, change) => group.write(() => editOne(conversationId, seq, change)),
    remove: (conversationId, seq) => group.write(() => removeOne(conversationId, seq)),
    react: (conversationId, seq, reaction) =>
      group.write(() => reactOne(conversationId, seq, reaction)),
    // The index's thread catches up with every message stored so far first (search-file.ts),
    // so a search finds every message whose send was acknowledged.
    search: async (query) => {
      if (context.isClosed()) throw new StoreUnavailable('the store is closed');
      await index.catchUp();
      return run(() => {
        try {
          return search ? search(query) : [];
        } catch (error) {
          // A damaged search file shows here first when no step of the thread reads its pages.
          index.queryFailed(error);
          throw error;
        }
      });
    },
  };
}

interface SearchParams {
  userId: string;
  match: string;
  beforeId: string | null;
  limit: number;
}

/**
 * Up to this many conversations are named in the full-text query (an OR of one token
 * each); beyond it the index walk filters by membership instead.
 */
const CONVERSATIONS_IN_QUERY_MAX = 200;

/**
 * The FTS5 query for folded search terms: each a quoted string with a prefix star, all of
 * them required, in the body column; with `conversations`, one of those too. Quoting
 * makes every term a literal (no column filters, operators such as OR, NOT or NEAR, or
 * stray syntax), and a quote inside one is doubled, FTS5's own escape. NUL would end the
 * query text early (FTS5 reads it as a C string); the tokenizer splits words there
 * anyway, so it becomes a space.
 */
export function ftsMatch(
  terms: readonly string[],
  conversations: readonly string[] | null = null,
): string {
  const words = terms
    .map((term) => `"${term.replaceAll('"', '""').replaceAll('\0', ' ')}"*`)
    .join(' AND ');
  if (conversations === null) return `body : (${words})`;
  // The view indexes lower(hex(conversation_id)): one token of hex digits per conversation.
  const ids = conversations
    .map((id) => `"${Buffer.from(id, 'utf8').toString('hex')}"`)
    .join(' OR ');
  return `body : (${words}) AND conversation : (${ids})`;
}

/**
 * A UUIDv7 (RFC 9562): the time in milliseconds, then 74 random bits. Ids are only looked
 * up by the search cursor, and new ones sort after the ones before them, so each insert
 * into the id index lands on its right-hand edge, not on a random page as a random UUID's
 * does (one page written per message). The time is no secret: messages carry it.
 */
export function timeOrderedId(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // randomUUID's version 4 digit is replaced; its variant and random digits stay.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

function unchanged(message: MessageRecord): MessageChange {
  return { status: 'unchanged', message };
}

/**
 * A page's versions, read through the same index as the page itself; no row's body is
 * built. Three values a row as an array measured cheaper than one `json_array` string
 * parsed in JavaScript (36 against 42 µs for 50 rows).
 */
const VERSION_COLUMNS = 'seq, rev, has_attachments';
type VersionValues = [seq: number, rev: number, hasAttachments: number];

function versionOf([seq, rev, hasAttachments]: VersionValues): MessageVersion {
  return { seq, rev, hasAttachments: hasAttachments === 1 };
}

/**
 * The statements of every kind of history page (HistoryRange), each selecting `select`
 * per row, as one value (`pluck`) or an array of values (`raw`), and `page` picking the
 * one a range asks for.
 */
function pageStatements<T>(db: Database, select: string, rows: 'pluck' | 'raw') {
  const shaped = <P extends unknown[]>(sql: string): Statement<P, T> => {
    const statement = db.prepare<P, T>(sql);
    return rows === 'pluck' ? statement.pluck(true) : statement.raw(true);
  };
  // Newest first, straight off the (conversation_id, seq) index, and reversed in
  // JavaScript: sorting the page back into ascending order in SQLite copied every row
  // through a sorter, about a fifth of the statement's cost.
  const newestFirst = shaped<[string, number]>(
    `SELECT ${select} FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?`,
  );
  const beforeNewestFirst = shaped<[string, number, number]>(`SELECT ${select} FROM messages
       WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`);
  const newest = (conversationId: string, limit: number) =>
    newestFirst.all(conversationId, limit).reverse();
  const before = (conversationId: string, seq: number, limit: number) =>
    beforeNewestFirst.all(conversationId, seq, limit).reverse();
  const after = shaped<[string, number, number, number]>(`SELECT ${select} FROM messages
       WHERE conversation_id = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`);
  const fromSeq = shaped<[string, number, number]>(`SELECT ${select} FROM messages
       WHERE conversation_id = ? AND seq >= ? ORDER BY seq LIMIT ?`);
  const changedAfter = shaped<[string, number, number]>(`SELECT ${select} FROM messages
       WHERE conversation_id = ? AND rev > ? ORDER BY rev LIMIT ?`);
  // A read transaction gives the two halves of `around` the same snapshot.
  const around = db.transaction((conversationId: string, seq: number, limit: number) =>
    aroundOf(
      limit > 1 ? before(conversationId, seq, limit - 1) : [],
      fromSeq.all(conversationId, seq, limit),
      limit,
    ),
  );
  return {
    page(conversationId: string, range: HistoryRange): T[] {
      const limit = Math.max(0, Math.floor(range.limit));
      if (limit === 0) return [];
      if (range.changedAfter !== undefined) {
        return changedAfter.all(conversationId, range.changedAfter, limit);
      }
      if (range.around !== undefined) return around(conversationId, range.around, limit);
      if (range.after !== undefined) {
        // Catching up: the oldest `limit` after the cursor (and before `before`, if given).
        return after.all(
          conversationId,
          range.after,
          range.before ?? Number.MAX_SAFE_INTEGER,
          limit,
        );
      }
      if (range.before !== undefined) return before(conversationId, range.before, limit);
      return newest(conversationId, limit);
    },
  };
}
