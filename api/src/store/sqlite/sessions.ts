import { randomUUID } from 'node:crypto';
import type { SessionStore } from '../types';
import type { SqliteContext } from './context';
import { SESSION_COLUMNS, toSession } from './rows';
import type { SessionRow } from './rows';

/** Session writes go through group commit: a login burst shares fsyncs with messages. */
export function createSessionStore({ db, run, group }: SqliteContext): SessionStore {
  const insert = db.prepare<[SessionRow]>(
    `INSERT INTO sessions (id, user_id, refresh_generation, created_at, refresh_expires_at, revoked_at, rotated_at, client, last_active_at)
     VALUES (@id, @user_id, @refresh_generation, @created_at, @refresh_expires_at, @revoked_at, @rotated_at, @client, @last_active_at)`,
  );
  const byId = db.prepare<[string], SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`,
  );
  // Compare-and-set in one statement: the WHERE clause is the whole check, so two
  // processes presenting the same refresh token cannot both move it on.
  const rotate = db.prepare<
    [{ id: string; expected: number; expiresAt: number; now: number; at: number }]
  >(
    `UPDATE sessions
     SET refresh_generation = refresh_generation + 1, refresh_expires_at = @expiresAt,
       rotated_at = @at
     WHERE id = @id AND refresh_generation = @expected AND revoked_at IS NULL
       AND refresh_expires_at > @now`,
  );
  const live = db.prepare<[string], SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND revoked_at IS NULL
     ORDER BY created_at DESC, id DESC`,
  );
  const touch = db.prepare<[number, string, number]>(
    'UPDATE sessions SET last_active_at = ? WHERE id = ? AND last_active_at < ?',
  );
  const revoke = db.prepare<[number, string]>(
    'UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  );
  // A subscription ends with its session (issue #19), in the same transaction, so no
  // way of ending a session can leave pushes going to its browser.
  const dropPush = db.prepare<[string]>('DELETE FROM push_subscriptions WHERE session_id = ?');

  return {
    create: ({ userId, refreshExpiresAt, client }) =>
      group.write(() => {
        const now = Date.now();
        const row: SessionRow = {
          id: randomUUID(),
          user_id: userId,
          refresh_generation: 0,
          created_at: now,
          refresh_expires_at: refreshExpiresAt.getTime(),
          revoked_at: null,
          rotated_at: null,
          client: client ?? '',
          last_active_at: now,
        };
        insert.run(row);
        return toSession(row);
      }),
    findById: (id) =>
      run(() => {
        const row = byId.get(id);
        return row ? toSession(row) : null;
      }),
    listLive: (userId) => run(() => live.all(userId).map(toSession)),
    touch: (id, at) =>
      group.write(() => {
        touch.run(at.getTime(), id, at.getTime());
      }),
    rotate: (id, expectedGeneration, refreshExpiresAt, at = new Date()) =>
      group.write(
        () =>
          rotate.run({
            id,
            expected: expectedGeneration,
            expiresAt: refreshExpiresAt.getTime(),
            now: Date.now(),
            at: at.getTime(),
          }).changes === 1,
      ),
    revoke: (id, at) =>
      group.write(() => {
        const revoked = revoke.run(at.getTime(), id).changes === 1;
        dropPush.run(id);
        return revoked;
      }),
  };
}
