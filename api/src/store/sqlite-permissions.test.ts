import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openSqliteStore } from './sqlite';

let dir: string;
let umask: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-sqlite-mode-'));
  // The usual umask, under which files are created world-readable.
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

const modeOf = (file: string) => statSync(file).mode & 0o777;

test('a new database and its WAL and shared-memory files are readable by their owner only', async () => {
  const path = join(dir, 'chat.sqlite');
  const store = openSqliteStore(path);
  try {
    await store.users.create({ username: 'owner', displayName: 'Owner', passwordHash: 'x' });
    expect(modeOf(path)).toBe(0o600);
    expect(modeOf(`${path}-wal`)).toBe(0o600);
    expect(modeOf(`${path}-shm`)).toBe(0o600);
  } finally {
    await store.close();
  }
});

test('files an older build left world-readable are narrowed when opened', async () => {
  const path = join(dir, 'old.sqlite');
  await openSqliteStore(path).close();
  writeFileSync(`${path}-wal`, '');
  chmodSync(path, 0o644);
  chmodSync(`${path}-wal`, 0o664);
  const store = openSqliteStore(path);
  try {
    expect(modeOf(path)).toBe(0o600);
    expect(modeOf(`${path}-wal`)).toBe(0o600);
  } finally {
    await store.close();
  }
});
