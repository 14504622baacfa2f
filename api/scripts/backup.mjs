#!/usr/bin/env node
// `npm run backup -w @chat/api -- [destination]`: an online backup of the SQLite database
// while the API keeps running (SQLite's backup API through better-sqlite3: a consistent
// snapshot, pages copied in steps so writers are not held up).
//
// DATABASE_URL names the database as for the API (default api/data/chat.sqlite). The
// destination defaults to `<database>.backup-<UTC timestamp>.sqlite` beside it. The copy
// is written under a temporary name, checked (`PRAGMA integrity_check`), made readable by
// the owner only and renamed into place, so a destination that exists is always whole.
// The signing secret file (`<database>.jwt-secret`), when there is one, is copied beside
// the backup as `<destination>.jwt-secret`: without it the sessions in the backup are
// useless. Uploaded files (UPLOAD_DIR) are not part of the database: back them up with
// the file system (see docs/operations.md).
import { chmodSync, copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  process.stderr.write(`backup: ${message}\n`);
  process.exit(1);
}

const url = process.env.DATABASE_URL || `sqlite:${join(apiDir, 'data', 'chat.sqlite')}`;
if (!url.startsWith('sqlite:')) {
  fail(
    'DATABASE_URL is not a SQLite database; back MongoDB up with mongodump (docs/operations.md)',
  );
}
const source = resolve(url.slice('sqlite:'.length));
if (source === resolve(':memory:') || url === 'sqlite::memory:') {
  fail('an in-memory database cannot be backed up');
}
if (!existsSync(source)) fail(`no database at ${source}`);

const stamp = new Date()
  .toISOString()
  .replace(/[-:]/g, '')
  .replace(/\.\d+Z$/, 'Z');
const destination = resolve(process.argv[2] ?? `${source}.backup-${stamp}.sqlite`);
if (destination === source) fail('the destination is the database itself');
if (existsSync(destination)) fail(`${destination} exists already; name another destination`);
const partial = `${destination}.partial`;

const db = new Database(source, { readonly: true, fileMustExist: true });
const started = Date.now();
try {
  await db.backup(partial, {
    // Copy 1000 pages a step; between steps other connections may write.
    progress: () => 1000,
  });
} catch (err) {
  rmSync(partial, { force: true });
  fail(`the backup failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  db.close();
}

const copy = new Database(partial, { readonly: true, fileMustExist: true });
let check;
try {
  check = copy.pragma('integrity_check', { simple: true });
} finally {
  copy.close();
}
if (check !== 'ok') {
  rmSync(partial, { force: true });
  fail(`the copy failed its integrity check (${String(check)}); nothing was kept`);
}
chmodSync(partial, 0o600);
renameSync(partial, destination);

const secret = `${source}.jwt-secret`;
if (existsSync(secret)) {
  copyFileSync(secret, `${destination}.jwt-secret`);
  chmodSync(`${destination}.jwt-secret`, 0o600);
}
process.stdout.write(
  `backup: ${source} -> ${destination} in ${Date.now() - started} ms (integrity ok)\n`,
);
