import { createAccessTokens } from '../../api/src/auth/tokens';
import { openStore } from '../../api/src/store';
import type { SqliteStore } from '../../api/src/store/sqlite';
import type { Store } from '../../api/src/store/types';

/** A user the bench holds a token for. */
export interface SeededUser {
  id: string;
  token: string;
}

export interface PathsSeed {
  group: { conversationId: string; members: SeededUser[] } | null;
  push: {
    senders: SeededUser[];
    /** Direct conversations of a sender with a user who has no socket and no subscription. */
    withoutSubscriptions: { senderIndex: number; conversationId: string }[];
    /** The same, the offline user having one Web Push subscription. */
    withSubscriptions: { senderIndex: number; conversationId: string }[];
  } | null;
}

/** Keys of a subscription at the loopback push service (`startTestPushService`). */
export interface SubscriptionKeys {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * Writes the users, sessions, conversations and push subscriptions of the paths parts
 * straight into the store the API will use (SQLite or MongoDB, by DATABASE_URL), as
 * bench/lib/seed.ts does for the main parts: the API never sees these writes as requests.
 */
export async function seedPaths(options: {
  databaseUrl: string;
  jwtSecret: string;
  groupMembers: number;
  push: { senders: number; offlineUsers: number; subscription: () => SubscriptionKeys } | null;
}): Promise<PathsSeed> {
  const store = await openStore(options.databaseUrl);
  const sqlite = store.kind === 'sqlite' ? (store as SqliteStore) : null;
  // The seeding connection alone skips fsyncs; the API opens its own with synchronous=FULL.
  sqlite?.database.pragma('synchronous = OFF');
  sqlite?.database.exec('BEGIN');
  try {
    const seeded = await fill(store, options);
    sqlite?.database.exec('COMMIT');
    return seeded;
  } catch (err) {
    sqlite?.database.exec('ROLLBACK');
    throw err;
  } finally {
    await store.close();
  }
}

async function fill(store: Store, options: Parameters<typeof seedPaths>[0]): Promise<PathsSeed> {
  const tokens = createAccessTokens({
    secret: options.jwtSecret,
    ttlSeconds: 15 * 60,
    clock: Date.now,
  });
  const refreshExpiresAt = new Date(Date.now() + 86_400_000);
  // Nobody logs in as these users: any string does as a hash.
  const passwordHash = 'bench-no-login';
  const user = async (username: string) => {
    const created = await store.users.create({ username, displayName: username, passwordHash });
    const session = await store.sessions.create({ userId: created.id, refreshExpiresAt });
    const { token } = await tokens.sign(created.id, session.id);
    return { id: created.id, token, sessionId: session.id };
  };

  let group: PathsSeed['group'] = null;
  if (options.groupMembers > 0) {
    const members: SeededUser[] = [];
    for (let i = 0; i < options.groupMembers; i++) members.push(await user(`grp${i}`));
    const conversation = await store.conversations.createGroup({
      title: `Bench group of ${options.groupMembers}`,
      memberIds: members.map((m) => m.id),
    });
    group = {
      conversationId: conversation.id,
      members: members.map(({ id, token }) => ({ id, token })),
    };
  }

  let push: PathsSeed['push'] = null;
  if (options.push) {
    const { senders: senderCount, offlineUsers, subscription } = options.push;
    const senders: SeededUser[] = [];
    for (let i = 0; i < senderCount; i++) senders.push(await user(`pushsend${i}`));
    const offline = async (prefix: string, subscribed: boolean) => {
      const conversations: { senderIndex: number; conversationId: string }[] = [];
      for (let i = 0; i < offlineUsers; i++) {
        const recipient = await user(`${prefix}${i}`);
        const senderIndex = i % senderCount;
        const sender = senders[senderIndex];
        if (!sender) throw new Error('no push senders');
        const { conversation } = await store.conversations.findOrCreateDirect(
          sender.id,
          recipient.id,
        );
        if (subscribed) {
          const keys = subscription();
          const stored = await store.push.subscribe({
            endpoint: keys.endpoint,
            userId: recipient.id,
            sessionId: recipient.sessionId,
            p256dh: keys.keys.p256dh,
            auth: keys.keys.auth,
          });
          if (!stored) throw new Error('a push subscription was not stored');
        }
        conversations.push({ senderIndex, conversationId: conversation.id });
      }
      return conversations;
    };
    push = {
      senders: senders.map(({ id, token }) => ({ id, token })),
      withoutSubscriptions: await offline('nosub', false),
      withSubscriptions: await offline('sub', true),
    };
  }
  return { group, push };
}
