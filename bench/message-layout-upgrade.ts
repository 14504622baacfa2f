/**
 * How long migration 11 (the messages table rebuilt with an INTEGER PRIMARY KEY) holds
 * start-up on a large database.
 *
 * Seeds a temporary file at schema version 10 (the release before it) with
 * BENCH_UPGRADE_MESSAGES messages (1,000,000) interleaved over
 * BENCH_UPGRADE_CONVERSATIONS conversations (10,000) by direct SQL, then times opening the
 * store on it, which runs the migration (synchronous=FULL, as the API opens it).
 *
 * The search index is left empty while seeding (its mark says every row is indexed): the
 * migration copies the messages and keeps their rowids, and never reads the index.
 *
 *   node --import tsx bench/message-layout-upgrade.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../api/src/store/sqlite';
import { openSeedDatabase } from './lib/store';
import { progressLog, wholeNumberOption } from './lib/cli';

const MESSAGES = wholeNumberOption('BENCH_UPGRADE_MESSAGES', 1_000_000);
const CONVERSATIONS = wholeNumberOption('BENCH_UPGRADE_CONVERSATIONS', 10_000);

const progress = progressLog('upgrade');

const dir = mkdtempSync(join(tmpdir(), 'chat-bench-upgrade-'));
const path = join(dir, 'bench.db');
try {
  const db = openSeedDatabase(path, 10);
  db.exec('UPDATE search_backfill SET indexed_from = 9007199254740991');
  const users = Array.from({ length: 2 * CONVERSATIONS }, () => randomUUID());
  const conversations = Array.from({ length: CONVERSATIONS }, () => randomUUID());
  db.transaction(() => {
    const user = db.prepare(
      `INSERT INTO users (id, username, display_name, display_name_lower, password_hash, created_at)
       VALUES (?, ?, ?, ?, 'x', 0)`,
    );
    users.forEach((id, i) => user.run(id, `user${i}`, `User ${i}`, `user ${i}`));
    const conversation = db.prepare(
      `INSERT INTO conversations (id, type, direct_key, created_at, last_seq, last_activity_at, rev)
       VALUES (?, 'direct', ?, 0, ?, 0, ?)`,
    );
    const member = db.prepare(
      'INSERT INTO conversation_members (conversation_id, user_id, position) VALUES (?, ?, ?)',
    );
    const perConversation = Math.ceil(MESSAGES / CONVERSATIONS);
    conversations.forEach((id, i) => {
      const pair = [users[2 * i] ?? '', users[2 * i + 1] ?? ''];
      conversation.run(id, JSON.stringify([...pair].sort()), perConversation, perConversation);
      pair.forEach((userId, position) => member.run(id, userId, position));
    });
    const message = db.prepare(
      `INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, created_at, rev)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const start = Date.now() - MESSAGES * 1000;
    for (let n = 0; n < MESSAGES; n++) {
      const c = n % CONVERSATIONS;
      const seq = Math.floor(n / CONVERSATIONS) + 1;
      message.run(
        randomUUID(),
        conversations[c] ?? '',
        seq,
        users[2 * c + (n % 2)] ?? '',
        randomUUID(),
        'The quick brown fox jumps over the lazy dog, and then some more words.',
        start + n * 1000,
        seq,
      );
      if (n % 200_000 === 0 && n > 0) progress(`seeded ${n} messages`);
    }
  })();
  db.exec('UPDATE search_backfill SET indexed_from = (SELECT max(rowid) + 1 FROM messages)');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const before = statSync(path).size;
  progress(`seeded ${MESSAGES} messages, ${(before / 1e6).toFixed(0)} MB`);

  const opening = process.hrtime.bigint();
  const store = openSqliteStore(path);
  const seconds = Number(process.hrtime.bigint() - opening) / 1e9;
  await store.close();
  progress(
    `opening the store (migrations 11 and on, on ${MESSAGES} messages) took ${seconds.toFixed(1)} s; ` +
      `file ${(before / 1e6).toFixed(0)} → ${(statSync(path).size / 1e6).toFixed(0)} MB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
