import { randomUUID } from 'node:crypto';
import { releasedUsername, UniqueViolation } from '../types';
import type { AvatarRecord, NewUser, UserRecord, UserStore } from '../types';
import type { SqliteContext } from './context';
import { isUniqueViolation } from './errors';
import { avatarJson, avatarOf, toUser, USER_COLUMNS } from './rows';
import type { UserRow } from './rows';

/** LIKE treats % and _ as wildcards; with ESCAPE '\' these make them (and \ itself) literal. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function createUserStore({ db, run, group }: SqliteContext): UserStore {
  const insert = db.prepare<[UserRow & { display_name_lower: string }]>(
    `INSERT INTO users (id, username, display_name, display_name_lower, password_hash, created_at, last_seen_at, deleted_at)
     VALUES (@id, @username, @display_name, @display_name_lower, @password_hash, @created_at, @last_seen_at, @deleted_at)`,
  );
  const byId = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
  const byUsername = db.prepare<[string], UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE username = ?`,
  );
  // One statement for any number of ids: they travel as one JSON array.
  const byIds = db.prepare<[string], UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE id IN (SELECT value FROM json_each(?))`,
  );
  // The same lookup over the same ids, so the rows come in findByIds' order: the versions
  // of all, then the rows of those the caller does not hold, in one snapshot.
  const viewVersions = db
    .prepare<[string], [string, number]>(
      `SELECT id, view_rev FROM users WHERE id IN (SELECT value FROM json_each(?))`,
    )
    .raw(true);
  const viewRows = db
    .prepare<[string], [string, string]>(
      `SELECT id, json_array(id, username, display_name, created_at, deleted_at, json(avatar))
       FROM users WHERE id IN (SELECT value FROM json_each(?))`,
    )
    .raw(true);
  const viewRowsByIds = db.transaction(
    (ids: readonly string[], known: (id: string, version: number) => boolean) => {
      const versions = viewVersions.all(JSON.stringify(ids));
      const unknown = versions.filter(([id, version]) => !known(id, version)).map(([id]) => id);
      const rows = new Map(unknown.length === 0 ? [] : viewRows.all(JSON.stringify(unknown)));
      return versions.map(([id, version]): [string, number, string | null] => [
        id,
        version,
        rows.get(id) ?? null,
      ]);
    },
  );
  // LIKE folds ASCII case (usernames are ASCII); display names are compared lower-cased by
  // JavaScript so that 'É' finds 'é' too.
  const search = db.prepare<[{ pattern: string; excludeId: string; limit: number }], UserRow>(
    `SELECT ${USER_COLUMNS} FROM users
     WHERE id <> @excludeId AND deleted_at IS NULL
       AND (username LIKE @pattern ESCAPE '\\' OR display_name_lower LIKE @pattern ESCAPE '\\')
     ORDER BY username
     LIMIT @limit`,
  );
  const setPasswordHash = db.prepare<[string, string]>(
    'UPDATE users SET password_hash = ? WHERE id = ?',
  );
  const setDisplayName = db.prepare<[string, string, string]>(
    'UPDATE users SET display_name = ?, display_name_lower = ? WHERE id = ?',
  );
  const setLastSeen = db.prepare<[number, string]>(
    'UPDATE users SET last_seen_at = ? WHERE id = ?',
  );
  // Erased in storage, not flagged: the name and hash are overwritten in the same row.
  const markDeleted = db.prepare<[number, string]>(
    `UPDATE users SET display_name = '', display_name_lower = '', password_hash = '',
       last_seen_at = NULL, deleted_at = ?
     WHERE id = ? AND deleted_at IS NULL`,
  );
  const releaseUsername = db.prepare<[string, string]>(
    'UPDATE users SET username = ? WHERE id = ? AND deleted_at IS NOT NULL',
  );
  const block = db.prepare<[string, string, number]>(
    'INSERT OR IGNORE INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)',
  );
  const unblock = db.prepare<[string, string]>(
    'DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?',
  );
  const blocked = db.prepare<[string], { blocked_id: string }>(
    'SELECT blocked_id FROM blocks WHERE blocker_id = ? ORDER BY created_at DESC, blocked_id',
  );
  const isBlocked = db.prepare<[string, string], { one: number }>(
    'SELECT 1 AS one FROM blocks WHERE blocker_id = ? AND blocked_id = ?',
  );
  const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ?');
  const updateAvatar = db.prepare<[string | null, string]>(
    'UPDATE users SET avatar = ? WHERE id = ?',
  );
  const setAvatar = db.transaction((id: string, avatar: AvatarRecord | null) => {
    const before = byId.get(id);
    if (!before) return null;
    updateAvatar.run(avatarJson(avatar), id);
    const after = byId.get(id);
    return after ? { user: toUser(after), previous: avatarOf(before.avatar) } : null;
  });

  return {
    create: (input: NewUser) =>
      run((): UserRecord => {
        const row: UserRow = {
          id: randomUUID(),
          username: input.username,
          display_name: input.displayName,
          password_hash: input.passwordHash,
          created_at: Date.now(),
          last_seen_at: null,
          deleted_at: null,
          avatar: null,
        };
        try {
          insert.run({ ...row, display_name_lower: input.displayName.toLowerCase() });
        } catch (error) {
          if (isUniqueViolation(error)) throw new UniqueViolation('username');
          throw error;
        }
        return toUser(row);
      }),
    findById: (id) => run(() => nullable(byId.get(id))),
    findByUsername: (username) => run(() => nullable(byUsername.get(username))),
    findByIds: (ids) =>
      run(() => (ids.length === 0 ? [] : byIds.all(JSON.stringify(ids)).map(toUser))),
    viewRowsByIds: (ids, known) => run(() => (ids.length === 0 ? [] : viewRowsByIds(ids, known))),
    search: (prefix, { excludeId, limit }) =>
      run(() =>
        search
          .all({ pattern: `${escapeLike(prefix.toLowerCase())}%`, excludeId, limit })
          .map(toUser),
      ),
    setPasswordHash: (id, passwordHash) =>
      run(() => {
        setPasswordHash.run(passwordHash, id);
      }),
    setDisplayName: (id, displayName) =>
      run(() => {
        setDisplayName.run(displayName, displayName.toLowerCase(), id);
        return nullable(byId.get(id));
      }),
    setAvatar: (id, avatar) => run(() => setAvatar.immediate(id, avatar)),
    // Written whenever a user's last socket closes: grouped with the rest of that moment's writes.
    setLastSeen: (id, at) =>
      group.write(() => {
        setLastSeen.run(at.getTime(), id);
      }),
    markDeleted: (id, at) => run(() => markDeleted.run(at.getTime(), id).changes === 1),
    releaseUsername: (id) => run(() => releaseUsername.run(releasedUsername(id), id).changes === 1),
    setBlocked: (blockerId, blockedId, on, at) =>
      run(() => {
        if (!on) {
          unblock.run(blockerId, blockedId);
          return;
        }
        // The foreign keys would throw for an unknown id; the port says unknown ids are
        // nothing, never an error.
        if (!exists.get(blockerId) || !exists.get(blockedId)) return;
        block.run(blockerId, blockedId, at.getTime());
      }),
    listBlocked: (blockerId) => run(() => blocked.all(blockerId).map((r) => r.blocked_id)),
    isBlocked: (blockerId, blockedId) =>
      run(() => isBlocked.get(blockerId, blockedId) !== undefined),
  };
}

function nullable(row: UserRow | undefined): UserRecord | null {
  return row ? toUser(row) : null;
}
