import type { NotificationLevel, PushStore, PushSubscriptionRecord } from '../types';
import type { SqliteContext } from './context';

interface PushSubscriptionRow {
  endpoint: string;
  user_id: string;
  session_id: string;
  p256dh: string;
  auth: string;
  created_at: number;
}

/** What a session must be for its subscriptions to count: not revoked, not expired. */
const LIVE_SESSION = `s.revoked_at IS NULL AND s.refresh_expires_at > @now`;

export function createPushStore({ db, run, group }: SqliteContext): PushStore {
  // The session check and the write are one statement: a revocation committed before it
  // leaves nothing behind, and one committed after it deletes the row (sessions.ts).
  const upsert = db.prepare<[PushSubscriptionRow & { now: number }]>(
    `INSERT INTO push_subscriptions (endpoint, user_id, session_id, p256dh, auth, created_at)
     SELECT @endpoint, @user_id, @session_id, @p256dh, @auth, @created_at
     FROM sessions s WHERE s.id = @session_id AND s.user_id = @user_id AND ${LIVE_SESSION}
     ON CONFLICT (endpoint) DO UPDATE SET
       user_id = excluded.user_id, session_id = excluded.session_id,
       p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
  );
  const unsubscribe = db.prepare<[string, string]>(
    'DELETE FROM push_subscriptions WHERE endpoint = ? AND user_id = ?',
  );
  const remove = db.prepare<[string]>('DELETE FROM push_subscriptions WHERE endpoint = ?');
  const forUser = db.prepare<[{ user: string; now: number }], PushSubscriptionRow>(
    `SELECT p.endpoint, p.user_id, p.session_id, p.p256dh, p.auth, p.created_at
     FROM push_subscriptions p JOIN sessions s ON s.id = p.session_id
     WHERE p.user_id = @user AND ${LIVE_SESSION}
     ORDER BY p.created_at, p.endpoint`,
  );
  const subscribed = db.prepare<[{ users: string; now: number }], { user_id: string }>(
    `SELECT DISTINCT p.user_id FROM push_subscriptions p JOIN sessions s ON s.id = p.session_id
     WHERE p.user_id IN (SELECT value FROM json_each(@users)) AND ${LIVE_SESSION}`,
  );
  const levels = db.prepare<
    [{ conversation: string; users: string }],
    { user_id: string; notifications: NotificationLevel }
  >(
    `SELECT user_id, notifications FROM conversation_members
     WHERE conversation_id = @conversation AND user_id IN (SELECT value FROM json_each(@users))`,
  );
  const showText = db.prepare<[string], { show_text: number }>(
    'SELECT show_text FROM push_preferences WHERE user_id = ?',
  );
  const setShowText = db.prepare<[string, number]>(
    `INSERT INTO push_preferences (user_id, show_text) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET show_text = excluded.show_text`,
  );

  return {
    subscribe: (input) =>
      group.write(
        () =>
          upsert.run({
            endpoint: input.endpoint,
            user_id: input.userId,
            session_id: input.sessionId,
            p256dh: input.p256dh,
            auth: input.auth,
            created_at: Date.now(),
            now: Date.now(),
          }).changes === 1,
      ),
    unsubscribe: (userId, endpoint) =>
      group.write(() => unsubscribe.run(endpoint, userId).changes === 1),
    remove: (endpoint) => group.write(() => remove.run(endpoint).changes === 1),
    listForUser: (userId) =>
      run(() => forUser.all({ user: userId, now: Date.now() }).map(toSubscription)),
    subscribedAmong: (userIds) =>
      run(() =>
        userIds.length === 0
          ? []
          : subscribed
              .all({ users: JSON.stringify(userIds), now: Date.now() })
              .map((row) => row.user_id),
      ),
    levelsOf: (conversationId, userIds) =>
      run(() => {
        const result = new Map<string, NotificationLevel>();
        if (userIds.length === 0) return result;
        for (const row of levels.all({
          conversation: conversationId,
          users: JSON.stringify(userIds),
        })) {
          result.set(row.user_id, row.notifications);
        }
        return result;
      }),
    showText: (userId) => run(() => (showText.get(userId)?.show_text ?? 1) === 1),
    setShowText: (userId, show) =>
      group.write(() => {
        setShowText.run(userId, show ? 1 : 0);
      }),
  };
}

function toSubscription(row: PushSubscriptionRow): PushSubscriptionRecord {
  return {
    endpoint: row.endpoint,
    userId: row.user_id,
    sessionId: row.session_id,
    p256dh: row.p256dh,
    auth: row.auth,
    createdAt: new Date(row.created_at),
  };
}
