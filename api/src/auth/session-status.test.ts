import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openStore } from '../store/index';
import type { SessionStore, Store } from '../store/types';
import { SessionStatus } from './session-status';

let dir: string;
let store: Store;
let reads: number;
let sessions: SessionStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chat-session-status-'));
  store = await openStore(`sqlite:${join(dir, 'chat.sqlite')}`);
  reads = 0;
  // The real SQLite adapter, with its reads counted.
  sessions = {
    ...store.sessions,
    create: (input) => store.sessions.create(input),
    rotate: (...args) => store.sessions.rotate(...args),
    revoke: (...args) => store.sessions.revoke(...args),
    findById: (id) => {
      reads++;
      return store.sessions.findById(id);
    },
  };
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newSession(): Promise<string> {
  const user = await store.users.create({
    username: `u${Math.random().toString(36).slice(2, 10)}`,
    displayName: 'U',
    passwordHash: 'x',
  });
  const session = await sessions.create({
    userId: user.id,
    refreshExpiresAt: new Date(Date.now() + 60_000),
  });
  return session.id;
}

describe('SessionStatus', () => {
  test('reads the store once per session, then answers from memory', async () => {
    const status = new SessionStatus(sessions);
    const id = await newSession();
    expect(await status.isLive(id)).toBe(true);
    expect(await status.isLive(id)).toBe(true);
    expect(await status.isLive(id)).toBe(true);
    expect(reads).toBe(1);
  });

  test('coalesces concurrent first checks into one read', async () => {
    const status = new SessionStatus(sessions);
    const id = await newSession();
    const results = await Promise.all(Array.from({ length: 10 }, () => status.isLive(id)));
    expect(results.every(Boolean)).toBe(true);
    expect(reads).toBe(1);
  });

  test('a revocation is known at once and told to listeners, with its origin', async () => {
    const status = new SessionStatus(sessions);
    const id = await newSession();
    const heard: [string, string][] = [];
    const stop = status.onRevoked((sessionId, origin) => heard.push([sessionId, origin]));
    await status.isLive(id);
    status.markRevoked(id);
    status.markRevoked('other', 'remote');
    expect(await status.isLive(id)).toBe(false);
    expect(heard).toEqual([
      [id, 'local'],
      ['other', 'remote'],
    ]);
    stop();
    status.markRevoked(id);
    expect(heard).toHaveLength(2);
    expect(reads).toBe(1);
  });

  test('revoked and unknown sessions read from the store are not live', async () => {
    const status = new SessionStatus(sessions);
    const id = await newSession();
    await store.sessions.revoke(id, new Date());
    expect(await status.isLive(id)).toBe(false);
    expect(await status.isLive('no-such-session')).toBe(false);
  });

  test('forget() makes the next check read the store again (the hook for other instances)', async () => {
    const status = new SessionStatus(sessions);
    const id = await newSession();
    await status.isLive(id);
    await store.sessions.revoke(id, new Date());
    // Revoked elsewhere: this instance still trusts its cache...
    expect(await status.isLive(id)).toBe(true);
    status.forget(id);
    // ...until told to forget it.
    expect(await status.isLive(id)).toBe(false);
    expect(reads).toBe(2);
  });

  test('holds at most maxEntries sessions, evicting the least recently used', async () => {
    const status = new SessionStatus(sessions, 2);
    const [a, b, c] = [await newSession(), await newSession(), await newSession()];
    await status.isLive(a);
    await status.isLive(b);
    await status.isLive(a);
    await status.isLive(c);
    expect(reads).toBe(3);
    await status.isLive(a);
    expect(reads).toBe(3);
    await status.isLive(b);
    expect(reads).toBe(4);
  });
});
