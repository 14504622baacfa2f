import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/index';

const SCRIPT = resolve(import.meta.dirname, '..', 'scripts', 'backup.mjs');
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';

let dir: string;
let file: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-backup-'));
  file = join(dir, 'chat.sqlite');
  store = openSqliteStore(file);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function backup(args: string[], databaseUrl = `sqlite:${file}`) {
  return spawnSync(process.execPath, [SCRIPT, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
  });
}

describe('npm run backup (SQLite online backup)', () => {
  test('copies a database the API holds open (its WAL not checkpointed), whole and checked, owner-only, with its secret', async () => {
    const alice = await store.users.create({
      username: 'alice',
      displayName: 'A',
      passwordHash: HASH,
    });
    const bob = await store.users.create({ username: 'bob', displayName: 'B', passwordHash: HASH });
    const { conversation } = await store.conversations.findOrCreateDirect(alice.id, bob.id);
    for (let i = 0; i < 50; i++) {
      await store.messages.append({
        conversationId: conversation.id,
        senderId: alice.id,
        clientId: `c${i}`,
        body: `message ${i}`,
      });
    }
    writeFileSync(`${file}.jwt-secret`, 's'.repeat(64), { mode: 0o600 });
    const destination = join(dir, 'copy.sqlite');

    const result = backup([destination]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/integrity ok/);
    expect(statSync(destination).mode & 0o777).toBe(0o600);
    expect(existsSync(`${destination}.partial`)).toBe(false);
    expect(existsSync(`${destination}.jwt-secret`)).toBe(true);

    // The copy holds what was committed, though the store still has it in its WAL.
    const copy = new Database(destination, { readonly: true });
    try {
      expect(copy.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(50);
      expect(copy.prepare('SELECT count(*) FROM users').pluck().get()).toBe(2);
    } finally {
      copy.close();
    }
    // The live store is untouched and keeps working.
    await expect(store.ping()).resolves.toBeUndefined();
  });

  test('defaults to a timestamped file beside the database', () => {
    const result = backup([]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/chat\.sqlite\.backup-\d{8}T\d{6}Z\.sqlite/);
  });

  test('refuses to overwrite, a MongoDB URL and a missing database, each with one line', () => {
    const destination = join(dir, 'taken.sqlite');
    writeFileSync(destination, 'keep me');
    const taken = backup([destination]);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(/exists already/);
    expect(backup([], 'mongodb://127.0.0.1/chat').stderr).toMatch(/mongodump/);
    expect(backup([], `sqlite:${join(dir, 'none.sqlite')}`).stderr).toMatch(/no database/);
  });
});
