import { createAccessTokens } from '../../api/src/auth/tokens';
import { createPasswordHasher } from '../../api/src/auth/passwords';
import { ARGON2_MINIMUM } from '../../api/src/config';
import { openStore } from '../../api/src/store';
import type { SqliteStore } from '../../api/src/store/sqlite';

export interface SeededPair {
  conversationId: string;
  senderToken: string;
  receiverToken: string;
}

export interface Seed {
  pairs: SeededPair[];
  /** One user and session per token, for the idle-socket run. */
  idleTokens: string[];
  /** Users whose password hash has the production cost, for the login runs. */
  loginUsernames: string[];
  password: string;
  /** A token of the first pair's sender, for REST reads of its conversation. */
  readerToken: string;
}

const PASSWORD = 'bench-password-0123';

/**
 * Writes users, sessions and direct conversations straight into the SQLite file before
 * the API starts, and signs their access tokens with the secret the API will be given:
 * twenty thousand registrations through the API would spend most of the five minutes on
 * argon2. Only the login runs go through the real login path.
 */
export async function seed(options: {
  /** The API's DATABASE_URL: `sqlite:PATH`, or a MongoDB database (BENCH_STORE=mongodb). */
  databaseUrl: string;
  jwtSecret: string;
  pairs: number;
  idle: number;
  loginUsers: number;
}): Promise<Seed> {
  const store = await openStore(options.databaseUrl);
  const sqlite = store.kind === 'sqlite' ? (store as SqliteStore) : null;
  // The seeding connection alone skips fsyncs; the API opens its own with synchronous=FULL.
  sqlite?.database.pragma('synchronous = OFF');
  const tokens = createAccessTokens({
    secret: options.jwtSecret,
    ttlSeconds: 15 * 60,
    clock: Date.now,
  });
  const refreshExpiresAt = new Date(Date.now() + 86_400_000);
  // One real hash at the configured production cost, shared by the login users: verifying
  // it costs exactly what verifying any user's hash costs.
  const hasher = createPasswordHasher(ARGON2_MINIMUM, { concurrency: 1 });
  const passwordHash = await hasher.hash(PASSWORD);

  const userWithToken = async (username: string) => {
    const user = await store.users.create({ username, displayName: username, passwordHash });
    const session = await store.sessions.create({ userId: user.id, refreshExpiresAt });
    const { token } = await tokens.sign(user.id, session.id);
    return { user, token };
  };

  sqlite?.database.exec('BEGIN');
  try {
    const pairs: SeededPair[] = [];
    for (let i = 0; i < options.pairs; i++) {
      const sender = await userWithToken(`send${i}`);
      const receiver = await userWithToken(`recv${i}`);
      const { conversation } = await store.conversations.findOrCreateDirect(
        sender.user.id,
        receiver.user.id,
      );
      pairs.push({
        conversationId: conversation.id,
        senderToken: sender.token,
        receiverToken: receiver.token,
      });
    }
    const idleTokens: string[] = [];
    for (let i = 0; i < options.idle; i++) idleTokens.push((await userWithToken(`idle${i}`)).token);
    const loginUsernames: string[] = [];
    for (let i = 0; i < options.loginUsers; i++) {
      const username = `login${i}`;
      await store.users.create({ username, displayName: username, passwordHash });
      loginUsernames.push(username);
    }
    sqlite?.database.exec('COMMIT');
    const readerToken = pairs[0]?.senderToken ?? '';
    return { pairs, idleTokens, loginUsernames, password: PASSWORD, readerToken };
  } catch (err) {
    sqlite?.database.exec('ROLLBACK');
    throw err;
  } finally {
    await store.close();
  }
}
