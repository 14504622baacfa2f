import type { Logger } from 'pino';
import {
  DELETED_ACCOUNT_NAME,
  LIMITS,
  type AuthResponse,
  type SessionInfo,
  type TokenPair,
  type User,
} from '@chat/protocol';
import type { Clock } from '../clock';
import { ApiError } from '../http/errors';
import { UniqueViolation, type SessionRecord, type Store, type UserRecord } from '../store/types';
import type { LoginThrottle, RegistrationLimit } from './login-throttle';
import type { PasswordHasher } from './passwords';
import type { SessionStatus } from './session-status';
import { unauthorized, type AccessClaims, type AccessTokens, type RefreshTokens } from './tokens';

/** The user as everyone sees it; a deleted account keeps only its id and creation time. */
export function toUser(record: UserRecord): User {
  if (record.deletedAt !== null) {
    return {
      id: record.id,
      username: null,
      displayName: DELETED_ACCOUNT_NAME,
      createdAt: record.createdAt.toISOString(),
      deleted: true,
      avatar: null,
    };
  }
  return { ...signedIn(record), deleted: false };
}

/** The user who just signed in: never a deleted account (those cannot sign in). */
function signedIn(record: UserRecord): AuthResponse['user'] {
  return {
    id: record.id,
    username: record.username,
    displayName: record.displayName,
    createdAt: record.createdAt.toISOString(),
    deleted: false,
    avatar: record.avatar,
  };
}

/** What a session keeps of the User-Agent it was started from. */
export function sessionClient(userAgent: string | undefined): string {
  return (userAgent ?? '').slice(0, LIMITS.sessionClientMax);
}

/** The caller of an authenticated request: the user and the session of its token. */
export interface Caller {
  userId: string;
  sessionId: string;
}

const HOLD_MS = LIMITS.deletedUsernameHoldDays * 24 * 60 * 60 * 1000;

export interface AuthServiceDeps {
  store: Store;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  sessionStatus: SessionStatus;
  loginThrottle: LoginThrottle;
  registrationLimit: RegistrationLimit;
  clock: Clock;
  refreshTtlSeconds: number;
  /** Absolute session lifetime: refreshing slides the refresh expiry up to this, no further. */
  sessionMaxAgeSeconds: number;
  /** See Config.refreshRetryGraceSeconds; 0 turns the grace off. */
  refreshRetryGraceSeconds?: number;
  logger: Logger;
}

const WRONG_CREDENTIALS = 'Wrong username or password.';
const BAD_REFRESH = 'The refresh token is invalid, expired or already used.';

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  /**
   * Input already validated by the contract schema (username lower-cased, name trimmed).
   * `clientAddress` keys the registration limit and the caller's turn at the hasher.
   */
  async register(
    input: {
      username: string;
      password: string;
      displayName?: string | undefined;
    },
    clientAddress: string,
    client = '',
  ): Promise<AuthResponse> {
    const { store, passwords, registrationLimit, clock } = this.deps;
    // Cheap early answer for the common case; the unique index decides under a race.
    const holder = await store.users.findByUsername(input.username);
    if (holder) {
      // A deleted account holds its username for a while, so nobody can pose as the
      // person who just left; after that the name is free again.
      const held = holder.deletedAt === null || holder.deletedAt.getTime() + HOLD_MS > clock();
      if (held) throw taken();
      await store.users.releaseUsername(holder.id);
    }
    await registrationLimit.begin(clientAddress);
    let user: UserRecord;
    try {
      const passwordHash = await passwords.hash(input.password, clientAddress);
      user = await store.users.create({
        username: input.username,
        displayName: input.displayName ?? input.username,
        passwordHash,
      });
    } catch (err) {
      // Only an account that was made counts against the address.
      await registrationLimit.forgive(clientAddress);
      if (err instanceof UniqueViolation) throw taken();
      throw err;
    }
    return { user: signedIn(user), ...(await this.startSession(user.id, client)) };
  }

  async login(
    input: { username: string; password: string },
    clientAddress: string,
    client = '',
  ): Promise<AuthResponse> {
    const { store, passwords, loginThrottle, logger } = this.deps;
    const username = input.username.toLowerCase();
    await loginThrottle.begin(username, clientAddress);
    let user: UserRecord | null;
    try {
      user = await store.users.findByUsername(username);
      // A deleted account is answered exactly like an unknown one.
      if (user?.deletedAt != null) user = null;
      const matches = user
        ? await passwords.verify(user.passwordHash, input.password, clientAddress)
        : await passwords.verifyDummy(input.password, clientAddress).then(() => false);
      if (!user || !matches) throw unauthorized(WRONG_CREDENTIALS);
    } catch (err) {
      // Only a password that was checked and wrong is a failure; a busy hasher or an
      // unreachable database says nothing about the password (issue #14).
      const wrong = err instanceof ApiError && err.code === 'unauthorized';
      if (!wrong) await loginThrottle.forgive(username, clientAddress);
      throw err;
    }
    await loginThrottle.forgive(username, clientAddress);
    if (passwords.needsRehash(user.passwordHash)) {
      // The password is known only now: the one moment a stronger hash can be made.
      try {
        await store.users.setPasswordHash(
          user.id,
          await passwords.hash(input.password, clientAddress),
        );
      } catch (err) {
        logger.warn({ err, userId: user.id }, 'password hash upgrade failed; login continues');
      }
    }
    return { user: signedIn(user), ...(await this.startSession(user.id, client)) };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const { store, refreshTokens, accessTokens, clock } = this.deps;
    const presented = refreshTokens.read(refreshToken);
    if (!presented) throw unauthorized(BAD_REFRESH);
    const session = await store.sessions.findById(presented.sessionId);
    if (!session || session.revokedAt !== null) throw unauthorized(BAD_REFRESH);
    if (this.isRetryOfLastRotation(presented.generation, session)) {
      return this.currentPair(session);
    }
    if (presented.generation !== session.refreshGeneration) {
      // A token we made but for an older generation: it was used before. Whoever holds
      // it, the session can no longer be trusted (theft detection).
      await this.revokeSession(session.id, 'refresh token reuse');
      throw unauthorized(BAD_REFRESH);
    }
    if (session.refreshExpiresAt.getTime() <= clock()) throw unauthorized(BAD_REFRESH);
    // Refresh tokens slide 30 days at a time, but a session does not live for ever: a
    // stolen one dies at its absolute end at the latest.
    const end = session.createdAt.getTime() + this.deps.sessionMaxAgeSeconds * 1000;
    if (end <= clock()) throw unauthorized(BAD_REFRESH);
    const rotated = await store.sessions.rotate(
      session.id,
      presented.generation,
      new Date(Math.min(clock() + this.deps.refreshTtlSeconds * 1000, end)),
      new Date(clock()),
    );
    if (!rotated) {
      // Someone else rotated this same generation a moment ago: the token was used twice,
      // or the same refresh was sent twice at once (a client retrying a slow answer).
      const current = await store.sessions.findById(session.id);
      if (current && this.isRetryOfLastRotation(presented.generation, current)) {
        return this.currentPair(current);
      }
      if (
        current &&
        current.revokedAt === null &&
        current.refreshGeneration !== session.refreshGeneration
      ) {
        await this.revokeSession(session.id, 'refresh token reuse (concurrent)');
      }
      throw unauthorized(BAD_REFRESH);
    }
    await this.touch(session.id);
    const { token: accessToken } = await accessTokens.sign(session.userId, session.id);
    return {
      accessToken,
      refreshToken: refreshTokens.issue(session.id, presented.generation + 1),
    };
  }

  /**
   * Whether presenting `generation` is a retry of the rotation that made the session's
   * current generation, within the grace: the first answer may have been lost (its write
   * landed, the reply did not), and the client honestly presents the old token again.
   * Refresh tokens are derived from (session, generation), so the retry gets exactly the
   * pair the first answer carried (with a fresh access token).
   */
  private isRetryOfLastRotation(generation: number, session: SessionRecord): boolean {
    const graceMs = (this.deps.refreshRetryGraceSeconds ?? 0) * 1000;
    const now = this.deps.clock();
    return (
      graceMs > 0 &&
      session.revokedAt === null &&
      session.rotatedAt !== null &&
      generation === session.refreshGeneration - 1 &&
      now - session.rotatedAt.getTime() <= graceMs &&
      session.refreshExpiresAt.getTime() > now
    );
  }

  /** The pair of the session's current generation: what its last rotation answered. */
  private async currentPair(session: SessionRecord): Promise<TokenPair> {
    const { token: accessToken } = await this.deps.accessTokens.sign(session.userId, session.id);
    return {
      accessToken,
      refreshToken: this.deps.refreshTokens.issue(session.id, session.refreshGeneration),
    };
  }

  async logout(sessionId: string): Promise<void> {
    await this.revokeSession(sessionId, 'logout');
  }

  /**
   * Checks the current password (a wrong one counts against the sign-in throttle, so this
   * is no way around it), stores the new hash, then revokes every other session: whoever
   * else knew the old password is out at once, on every instance.
   */
  async changePassword(
    caller: Caller,
    input: { currentPassword: string; newPassword: string },
    clientAddress: string,
  ): Promise<void> {
    const { store, passwords } = this.deps;
    const user = await this.checkPassword(caller.userId, input.currentPassword, clientAddress);
    await store.users.setPasswordHash(
      user.id,
      await passwords.hash(input.newPassword, clientAddress),
    );
    await this.revokeAll(user.id, caller.sessionId, 'password changed');
  }

  /** The caller's sessions that can still be used, newest first. */
  async sessions(caller: Caller): Promise<SessionInfo[]> {
    const { store, clock } = this.deps;
    const now = clock();
    const maxAgeMs = this.deps.sessionMaxAgeSeconds * 1000;
    const live = await store.sessions.listLive(caller.userId);
    return live
      .filter((s) => s.refreshExpiresAt.getTime() > now && s.createdAt.getTime() + maxAgeMs > now)
      .map((s) => ({
        id: s.id,
        current: s.id === caller.sessionId,
        createdAt: s.createdAt.toISOString(),
        lastActiveAt: s.lastActiveAt.toISOString(),
        client: s.client,
      }));
  }

  /** Signs out one of the caller's sessions, as logout does. Another user's is 404. */
  async revokeOwnSession(caller: Caller, sessionId: string): Promise<void> {
    const session = await this.deps.store.sessions.findById(sessionId);
    if (session?.userId !== caller.userId) {
      throw new ApiError('not_found', 'No such session.');
    }
    await this.revokeSession(session.id, 'signed out from another session');
  }

  /**
   * Deletes the caller's account after checking the password: the profile is erased in
   * storage and every session revoked (tokens refused and sockets cut on every instance).
   * Resolves with the record after the change, for telling the people who knew them.
   */
  async deleteAccount(
    caller: Caller,
    password: string,
    clientAddress: string,
  ): Promise<UserRecord | null> {
    const { store, clock } = this.deps;
    const user = await this.checkPassword(caller.userId, password, clientAddress);
    await store.users.markDeleted(user.id, new Date(clock()));
    await this.revokeAll(user.id, null, 'account deleted');
    return store.users.findById(user.id);
  }

  /** Moves a session's last activity on; a failure here never fails the caller. */
  async touch(sessionId: string): Promise<void> {
    try {
      await this.deps.store.sessions.touch(sessionId, new Date(this.deps.clock()));
    } catch (err) {
      this.deps.logger.warn({ err, sessionId }, 'could not record session activity');
    }
  }

  /** Verifies an access token and that its session is still live. */
  async authenticate(token: string): Promise<AccessClaims> {
    const claims = await this.deps.accessTokens.verify(token);
    const owner = await this.deps.sessionStatus.liveOwner(claims.sessionId);
    if (owner !== claims.userId) throw unauthorized();
    return claims;
  }

  /** The user, once `password` is theirs; throttled like a sign-in. */
  private async checkPassword(
    userId: string,
    password: string,
    clientAddress: string,
  ): Promise<UserRecord> {
    const { store, passwords, loginThrottle } = this.deps;
    const user = await store.users.findById(userId);
    if (!user || user.deletedAt !== null) throw unauthorized();
    await loginThrottle.begin(user.username, clientAddress);
    let matches: boolean;
    try {
      matches = await passwords.verify(user.passwordHash, password, clientAddress);
    } catch (err) {
      await loginThrottle.forgive(user.username, clientAddress);
      throw err;
    }
    if (!matches) throw unauthorized('The password is wrong.');
    await loginThrottle.forgive(user.username, clientAddress);
    return user;
  }

  /** Revokes every live session of the user but `keep`. */
  private async revokeAll(userId: string, keep: string | null, reason: string): Promise<void> {
    const live = await this.deps.store.sessions.listLive(userId);
    for (const session of live) {
      if (session.id !== keep) await this.revokeSession(session.id, reason);
    }
  }

  private async revokeSession(sessionId: string, reason: string): Promise<void> {
    const { store, sessionStatus, clock, logger } = this.deps;
    await store.sessions.revoke(sessionId, new Date(clock()));
    // Also when this call was not the one that revoked it: telling listeners twice is
    // harmless, missing a disconnect is not.
    sessionStatus.markRevoked(sessionId);
    logger.info({ sessionId, reason }, 'session revoked');
  }

  private async startSession(userId: string, client: string): Promise<TokenPair> {
    const { store, accessTokens, refreshTokens, clock } = this.deps;
    const session = await store.sessions.create({
      userId,
      refreshExpiresAt: new Date(clock() + this.deps.refreshTtlSeconds * 1000),
      client: sessionClient(client),
    });
    const { token: accessToken } = await accessTokens.sign(userId, session.id);
    return {
      accessToken,
      refreshToken: refreshTokens.issue(session.id, session.refreshGeneration),
    };
  }
}

function taken(): ApiError {
  return new ApiError('conflict', 'That username is taken.');
}
