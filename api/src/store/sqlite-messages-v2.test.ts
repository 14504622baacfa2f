import { randomUUID } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from './sqlite';
import { MIGRATIONS, migrate } from './sqlite/migrations';

const PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';

let dir: string;
let path: string;
const opened: SqliteStore[] = [];

const open = () => {
  const store = openSqliteStore(path);
  opened.push(store);
  return store;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-sqlite-v2-'));
  path = join(dir, 'chat.db');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A database as the release before messages v2 leaves it: schema version 1 only, written
 * with the SQL that release ran (two users, a direct conversation, a group, messages).
 */
function writeVersionOneDatabase() {
  const db = new Database(path);
  try {
    const [first] = MIGRATIONS;
    if (!first) throw new Error('no migrations');
    migrate(db, [first]);
    const t = Date.parse('2026-11-26T10:00:00.000Z');
    const user = db.prepare(
      `INSERT INTO users (id, username, display_name, display_name_lower, password_hash, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    user.run('u-ann', 'ann', 'Ann', 'ann', PASSWORD_HASH, t);
    user.run('u-bob', 'bob', 'Bob', 'bob', PASSWORD_HASH, t);
    const conversation = db.prepare(
      `INSERT INTO conversations (id, type, title, direct_key, created_at, last_seq, last_activity_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    conversation.run('c-direct', 'direct', null, '["u-ann","u-bob"]', t, 3, t + 3);
    conversation.run('c-group', 'group', 'Team', null, t, 1, t + 4);
    const member = db.prepare(
      `INSERT INTO conversation_members (conversation_id, user_id, position, delivered_seq, read_seq)
       VALUES (?, ?, ?, ?, ?)`,
    );
    member.run('c-direct', 'u-ann', 0, 3, 3);
    member.run('c-direct', 'u-bob', 1, 2, 1);
    member.run('c-group', 'u-bob', 0, 0, 0);
    member.run('c-group', 'u-ann', 1, 0, 0);
    const message = db.prepare(
      `INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    message.run('m1', 'c-direct', 1, 'u-ann', 'k1', 'one', t + 1);
    message.run('m2', 'c-direct', 2, 'u-bob', 'k2', 'two', t + 2);
    message.run('m3', 'c-direct', 3, 'u-ann', 'k3', 'three', t + 3);
    message.run('m4', 'c-group', 1, 'u-bob', 'k4', 'group one', t + 4);
  } finally {
    db.close();
  }
}

describe('sqlite migration 2 (message lifecycle)', () => {
  it('moves a database made by the release before it forward, keeping everything', async () => {
    writeVersionOneDatabase();
    const store = open();

    const versions = store.database
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((r) => r.version);
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(versions).toContain(2);

    const history = await store.messages.list('c-direct', { limit: 10 });
    expect(history.map((m) => [m.seq, m.rev, m.body])).toEqual([
      [1, 1, 'one'],
      [2, 2, 'two'],
      [3, 3, 'three'],
    ]);
    expect(history[0]).toMatchObject({
      id: 'm1',
      clientId: 'k1',
      kind: 'text',
      system: null,
      editedAt: null,
      deletedAt: null,
      replyTo: null,
      reactions: [],
      mentions: [],
    });
    const direct = await store.conversations.summaryFor('c-direct', 'u-bob');
    expect(direct?.conversation).toMatchObject({ rev: 3, lastSeq: 3, adminIds: [] });
    expect(direct?.unreadCount).toBe(1);
    expect(direct?.lastMessage).toMatchObject({ seq: 3, rev: 3, body: 'three' });
    // The group's creator (its first member) becomes its first admin.
    expect((await store.conversations.findById('c-group'))?.adminIds).toEqual(['u-bob']);

    // Everything carries on from there: the next message and every change take new revs.
    const next = await store.messages.append({
      conversationId: 'c-direct',
      senderId: 'u-bob',
      clientId: randomUUID(),
      body: 'four',
      replyToSeq: 1,
    });
    expect(next.message).toMatchObject({ seq: 4, rev: 4, replyTo: { seq: 1, excerpt: 'one' } });
    const reacted = await store.messages.react('c-direct', 2, {
      userId: 'u-ann',
      emoji: '👍',
      on: true,
    });
    expect(reacted).toMatchObject({ status: 'changed', message: { seq: 2, rev: 5 } });
    const changed = await store.messages.list('c-direct', { limit: 10, changedAfter: 3 });
    expect(changed.map((m) => [m.seq, m.rev])).toEqual([
      [4, 4],
      [2, 5],
    ]);
    expect((await store.conversations.findById('c-group'))?.rev).toBe(1);
  });

  it('refuses a repeated rev within a conversation at the database level', () => {
    writeVersionOneDatabase();
    const store = open();
    expect(() =>
      store.database.prepare("UPDATE messages SET rev = 1 WHERE id = 'm2'").run(),
    ).toThrow(/UNIQUE/);
  });
});

describe('sqlite message lifecycle', () => {
  async function seed(store: SqliteStore) {
    const ann = await store.users.create({
      username: 'ann',
      displayName: 'Ann',
      passwordHash: PASSWORD_HASH,
    });
    const bob = await store.users.create({
      username: 'bob',
      displayName: 'Bob',
      passwordHash: PASSWORD_HASH,
    });
    const { conversation } = await store.conversations.findOrCreateDirect(ann.id, bob.id);
    return { ann, bob, conversation };
  }

  it('leaves no trace of a deleted body in the database file', async () => {
    const store = open();
    const { ann, bob, conversation } = await seed(store);
    // Long enough that the tombstone, written where SQLite likes, cannot cover it all.
    const secret = `${'Lorem ipsum dolor sit amet. '.repeat(40)}the vault code is ${randomUUID()}`;
    await store.messages.append({
      conversationId: conversation.id,
      senderId: ann.id,
      clientId: 'secret',
      body: secret,
    });
    await store.messages.append({
      conversationId: conversation.id,
      senderId: bob.id,
      clientId: 'reply',
      body: 'noted',
      replyToSeq: 1,
    });
    expect((await store.messages.remove(conversation.id, 1)).status).toBe('changed');
    // Closing folds the WAL into the file and removes it: the file is all there is.
    await store.close();
    const bytes = await readFile(path);
    expect(bytes.includes(Buffer.from('the vault code'))).toBe(false);
    // Sanity: the bytes of what was not deleted are there to be found.
    expect(bytes.includes(Buffer.from('noted'))).toBe(true);
  });

  it('loses no reaction when two store instances on one file react at once', async () => {
    const one = open();
    const two = open();
    const { ann, bob, conversation } = await seed(one);
    await one.messages.append({
      conversationId: conversation.id,
      senderId: ann.id,
      clientId: 'm',
      body: 'react here',
    });
    const emoji = ['👍', '🎉', '😀', '❤️', '🔥', '👀'];
    const outcomes = await Promise.all(
      [one, two].flatMap((store, s) =>
        emoji.map((e) =>
          store.messages.react(conversation.id, 1, {
            userId: s === 0 ? ann.id : bob.id,
            emoji: e,
            on: true,
          }),
        ),
      ),
    );
    expect(outcomes.every((o) => o.status === 'changed')).toBe(true);
    const stored = await two.messages.get(conversation.id, 1);
    expect(stored?.reactions).toHaveLength(emoji.length);
    for (const reaction of stored?.reactions ?? []) {
      expect([...reaction.userIds].sort()).toEqual([ann.id, bob.id].sort());
    }
    const revs = outcomes.map((o) => (o.status === 'changed' ? o.message.rev : 0));
    expect(new Set(revs).size).toBe(12);
    expect((await one.conversations.findById(conversation.id))?.rev).toBe(13);
  });
});
