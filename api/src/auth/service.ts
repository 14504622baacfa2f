import type { Logger } from 'pino';
import type { AuthResponse, TokenPair } from '@chat/protocol';
import type { Clock } from '../clock';
import { ApiError } from '../http/errors';
import { UniqueViolation, type Store, type UserRecord } from '../store/types';
import type { LoginThrottle, RegistrationLimit } from './login-throttle';
import type { PasswordHasher } from './passwords';
import type { SessionStatus } from './session-status';
import { unauthorized, type AccessClaims, type AccessTokens, type RefreshTokens } from './tokens';

export function toUser(record: UserRecord): AuthResponse['user'] {
  return {
    id: record.id,
    username: record.username,
    displayName: record.displayName,
    createdAt: record.createdAt.toISOString(),
    avatar: record.avatar,
  };
}

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
  ): Promise<AuthResponse> {
    const { store, passwords, registrationLimit } = this.deps;
    // Cheap early answer for the common case; the unique index decides under a race.
    if (await store.users.findByUsername(input.username)) throw taken();
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
    return { user: toUser(user), ...(await this.startSession(user.id)) };
  }

  async login(
    input: { username: string; password: string },
    clientAddress: string,
  ): Promise<AuthResponse> {
    const { store, passwords, loginThrottle, logger } = this.deps;
    const username = input.username.toLowerCase();
    await loginThrottle.begin(username, clientAddress);
    let user: UserRecord | null;
    try {
      user = await store.users.findByUsername(username);
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
    return { user: toUser(user), ...(await this.startSession(user.id)) };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const { store, refreshTokens, accessTokens, clock } = this.deps;
    const presented = refreshTokens.read(refreshToken);
    if (!presented) throw unauthorized(BAD_REFRESH);
    const session = await store.sessions.findById(presented.sessionId);
    if (!session || session.revokedAt !== null) throw unauthorized(BAD_REFRESH);
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
    );
    if (!rotated) {
      // Someone else rotated this same generation a moment ago: the token was used twice.
      const current = await store.sessions.findById(session.id);
      if (
        current &&
        current.revokedAt === null &&
        current.refreshGeneration !== session.refreshGeneration
      ) {
        await this.revokeSession(session.id, 'refresh token reuse (concurrent)');
      }
      throw unauthorized(BAD_REFRESH);
    }
    const { token: accessToken } = await accessTokens.sign(session.userId, session.id);
    return {
      accessToken,
      refreshToken: refreshTokens.issue(session.id, presented.generation + 1),
    };
  }

  async logout(sessionId: string): Promise<void> {
    await this.revokeSession(sessionId, 'logout');
  }

  /** Verifies an access token and that its session is still live. */
  async authenticate(token: string): Promise<AccessClaims> {
    const claims = await this.deps.accessTokens.verify(token);
    const owner = await this.deps.sessionStatus.liveOwner(claims.sessionId);
    if (owner !== claims.userId) throw unauthorized();
    return claims;
  }

  private async revokeSession(sessionId: string, reason: string): Promise<void> {
    const { store, sessionStatus, clock, logger } = this.deps;
    await store.sessions.revoke(sessionId, new Date(clock()));
    // Also when this call was not the one that revoked it: telling listeners twice is
    // harmless, missing a disconnect is not.
    sessionStatus.markRevoked(sessionId);
    logger.info({ sessionId, reason }, 'session revoked');
  }

  private async startSession(userId: string): Promise<TokenPair> {
    const { store, accessTokens, refreshTokens, clock } = this.deps;
    const session = await store.sessions.create({
      userId,
      refreshExpiresAt: new Date(clock() + this.deps.refreshTtlSeconds * 1000),
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
