import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, parseDatabaseUrl } from './index';

describe('parseDatabaseUrl', () => {
  it('reads sqlite: with a relative, an absolute and a triple-slash path', () => {
    expect(parseDatabaseUrl('sqlite:data/chat.db')).toEqual({
      kind: 'sqlite',
      path: resolve('data/chat.db'),
    });
    expect(parseDatabaseUrl('sqlite:/var/lib/chat/chat.db')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/chat/chat.db',
    });
    expect(parseDatabaseUrl('sqlite:///var/lib/chat/chat.db')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/chat/chat.db',
    });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('passes MongoDB URLs through unchanged', () => {
    const plain = 'mongodb://user:pw@db1:27017,db2:27017/chat?replicaSet=rs0';
    const srv = 'mongodb+srv://cluster0.example.net/chat?retryWrites=true&w=majority';
    expect(parseDatabaseUrl(plain)).toEqual({ kind: 'mongodb', url: plain });
    expect(parseDatabaseUrl(srv)).toEqual({ kind: 'mongodb', url: srv });
  });

  it.each(['', 'sqlite:', 'postgres://localhost/chat', 'chat.db', 'mongodb://', 'MONGODB://x'])(
    'refuses %j with a one-line message naming the accepted forms',
    (url) => {
      expect(() => parseDatabaseUrl(url)).toThrow(/^DATABASE_URL must be sqlite:PATH, mongodb:/);
      try {
        parseDatabaseUrl(url);
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).not.toContain('\n');
      }
    },
  );
});

describe('openStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-open-store-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens SQLite and creates the missing folders on the way', async () => {
    const path = join(dir, 'nested', 'deeper', 'chat.db');
    const store = await openStore(`sqlite:${path}`);
    try {
      expect(store.kind).toBe('sqlite');
      const user = await store.users.create({
        username: 'alice',
        displayName: 'Alice',
        passwordHash: 'x',
      });
      expect(await store.users.findById(user.id)).toEqual(user);
    } finally {
      await store.close();
    }
    expect(existsSync(path)).toBe(true);
  });

  it('opens a throwaway in-memory SQLite database', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      expect(store.kind).toBe('sqlite');
      expect(await store.users.findByUsername('nobody')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('rejects an unsupported URL before touching anything', async () => {
    await expect(openStore(`file:${join(dir, 'x.db')}`)).rejects.toThrow(/^DATABASE_URL must be/);
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });
});
