/**
 * The signed-in session. The access token lives only in memory; what survives a restart
 * (`serverUrl`, `user`, `refreshToken`) goes through `SessionStorage`, which the shell
 * implements (safeStorage + electron-store in Electron; on the web `localStorage` without
 * the token, which the server keeps in an `HttpOnly` cookie).
 *
 * Refresh tokens are single use and a reused one revokes the whole session, so every
 * refresh goes through ONE in-flight promise, and the rotated token is persisted before
 * the new access token is handed out. Where several clients share one refresh token (the
 * tabs of a browser, through the cookie) each refresh also runs under the shell's
 * `RefreshLock`, so no two of them ever present the same token.
 */
import type { AuthResponse } from '@chat/protocol';
import type { SessionChangeReason, SessionInfo } from '../shared/bridge';
import type { ApiClient, TokenSource } from './api-client';
import { ClientError, clientError } from './errors';
import type { PersistedSession, SessionStorage } from './storage/session';

interface Current extends PersistedSession {
  accessToken: string | null;
}

/**
 * Runs `refresh` while no other client sharing this session's refresh token runs one (the
 * web: a Web Lock held across tabs). The refresh must read the token when it runs.
 */
export type RefreshLock = <T>(refresh: () => Promise<T>) => Promise<T>;

const unshared: RefreshLock = (refresh) => refresh();

export type SessionListener = (session: SessionInfo | null, reason: SessionChangeReason) => void;
export type TokenListener = (accessToken: string) => void;

/** Reads a JWT's `exp`/`iat` (seconds) without verifying it: only to schedule renewals. */
export function readJwtTimes(token: string): { exp: number; iat: number | null } | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json: unknown = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)));
    if (typeof json !== 'object' || json === null) return null;
    const { exp, iat } = json as { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number') return null;
    return { exp, iat: typeof iat === 'number' ? iat : null };
  } catch {
    return null;
  }
}

export class Session implements TokenSource {
  private current: Current | null = null;
  private refreshing: Promise<string> | null = null;
  /** Bumped on every sign-in/out, so a refresh that outlives its session is discarded. */
  private generation = 0;
  private epoch = 0;
  private readonly sessionListeners = new Set<SessionListener>();
  private readonly tokenListeners = new Set<TokenListener>();
  private readonly profileListeners = new Set<(info: SessionInfo) => void>();
  private api: ApiClient | null = null;

  constructor(
    private readonly storage: SessionStorage,
    private readonly now: () => number,
    private readonly lock: RefreshLock = unshared,
  ) {
    storage.watch?.((saved) => {
      void this.follow(saved).catch((err: unknown) => {
        console.error('session: could not follow another client', err);
      });
    });
  }

  /** Late-bound: the API client needs the session for tokens, the session needs it to refresh. */
  attach(api: ApiClient): void {
    this.api = api;
  }

  info(): SessionInfo | null {
    return this.current && { user: this.current.user, serverUrl: this.current.serverUrl };
  }

  userId(): string | null {
    return this.current?.user.id ?? null;
  }

  /** The access token held right now, possibly expired or null. */
  currentAccessToken(): string | null {
    return this.current?.accessToken ?? null;
  }

  onChange(listener: SessionListener): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  /** Called after every successful refresh with the new access token. */
  onToken(listener: TokenListener): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  async begin(serverUrl: string, auth: AuthResponse, reason: SessionChangeReason): Promise<void> {
    this.generation++;
    this.refreshing = null;
    const next: Current = {
      serverUrl,
      user: auth.user,
      refreshToken: auth.refreshToken,
      accessToken: auth.accessToken,
    };
    await this.storage.save({ serverUrl, user: auth.user, refreshToken: auth.refreshToken });
    this.current = next;
    this.emit(reason);
  }

  /**
   * Restores a persisted session and refreshes it. Unreachable server: the session stays
   * (offline, without an access token) so the user keeps their conversations and outbox;
   * the connection refreshes once the server is back. Refused refresh: signed out.
   */
  async restore(): Promise<SessionInfo | null> {
    const saved = await this.storage.load();
    if (saved === null) return null;
    this.generation++;
    this.current = { ...saved, accessToken: null };
    this.emit('restored');
    try {
      await this.refresh(null);
    } catch {
      // Refused: refresh() already ended the session. Unreachable: stay signed in offline.
    }
    return this.info();
  }

  /**
   * The signed-in user's profile changed (same account; here or on another device): kept,
   * and the profile listeners are told; nothing is reset, unlike a change of session. Kept in
   * memory only: the next refresh persists it with the rotated token. Saving here could race
   * a refresh and write back a spent refresh token.
   */
  updateUser(user: SessionInfo['user']): void {
    const current = this.current;
    if (current?.user.id !== user.id) return;
    current.user = user;
    const info = this.info();
    if (info !== null) for (const listener of this.profileListeners) listener(info);
  }

  onProfile(listener: (info: SessionInfo) => void): () => void {
    this.profileListeners.add(listener);
    return () => this.profileListeners.delete(listener);
  }

  /** Forgets the session locally and tells listeners why. */
  async end(reason: SessionChangeReason): Promise<void> {
    if (this.current === null) return;
    this.generation++;
    this.current = null;
    this.refreshing = null;
    await this.storage.clear();
    this.emit(reason);
  }

  /**
   * Another client sharing the storage (another tab) signed in or out: sign-out ends this
   * session too (its refresh token is gone with the other's); a sign-in is taken up here
   * (refreshed through the shared token), replacing a different account's session.
   */
  private async follow(saved: PersistedSession | null): Promise<void> {
    const current = this.current;
    const same =
      current !== null &&
      saved !== null &&
      current.serverUrl === saved.serverUrl &&
      current.user.id === saved.user.id;
    if (same) return;
    if (current !== null) {
      // Already gone from the storage: only this client's copy is left to forget.
      this.generation++;
      this.current = null;
      this.refreshing = null;
      this.emit('signed-out');
    }
    if (saved === null) return;
    this.generation++;
    this.current = { ...saved, accessToken: null };
    this.emit('restored');
    try {
      await this.refresh(null);
    } catch {
      // Refused: refresh() already ended the session. Unreachable: stay signed in offline.
    }
  }

  // ---- TokenSource ---------------------------------------------------------

  serverUrl(): string {
    if (this.current === null) throw clientError('not_signed_in', 'Not signed in.');
    return this.current.serverUrl;
  }

  /** A token that is still valid for at least `marginSeconds`, refreshing if needed. */
  async accessToken(marginSeconds = 10): Promise<string> {
    if (this.current === null) throw clientError('not_signed_in', 'Not signed in.');
    const token = this.current.accessToken;
    if (token !== null) {
      const times = readJwtTimes(token);
      if (times === null) return token;
      // Short-lived tokens (tests, strict deployments) get a proportional margin.
      const lifetime = times.iat === null ? marginSeconds * 5 : times.exp - times.iat;
      const margin = Math.min(marginSeconds, lifetime / 5);
      if (times.exp * 1000 - this.now() > margin * 1000) return token;
    }
    return this.refresh(token);
  }

  refreshAfterRejection(rejected: string, seenEpoch: number): Promise<string> {
    return this.refresh(rejected, seenEpoch);
  }

  /** Bumped by every refresh; see `refresh`. */
  tokenEpoch(): number {
    return this.epoch;
  }

  /**
   * Single flight: concurrent callers share one refresh. A caller whose rejected token
   * was already replaced gets the replacement without another refresh.
   */
  refresh(stale: string | null, seenEpoch?: number): Promise<string> {
    const current = this.current;
    if (current === null) return Promise.reject(clientError('not_signed_in', 'Not signed in.'));
    // Replaced since the caller read it? (The epoch matters: a refresh within the same
    // second can return a byte-identical JWT, so comparing strings is not enough.)
    const replaced =
      seenEpoch !== undefined ? seenEpoch !== this.epoch : current.accessToken !== stale;
    if (current.accessToken !== null && replaced) {
      return Promise.resolve(current.accessToken);
    }
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<string> {
    const api = this.api;
    const current = this.current;
    if (api === null || current === null) throw clientError('not_signed_in', 'Not signed in.');
    const generation = this.generation;
    let pair;
    try {
      pair = await this.lock(() => api.refresh(current.serverUrl, current.refreshToken));
    } catch (err) {
      if (err instanceof ClientError && err.status === 401 && generation === this.generation) {
        await this.end('expired');
        throw clientError('not_signed_in', 'The session has ended; sign in again.');
      }
      throw err;
    }
    if (generation !== this.generation || this.current !== current) {
      throw clientError('not_signed_in', 'The session changed during the refresh.');
    }
    // Persist the rotated refresh token first: the old one is now spent, and presenting it
    // again after a crash would revoke the session.
    await this.storage.save({
      serverUrl: current.serverUrl,
      user: current.user,
      refreshToken: pair.refreshToken,
    });
    current.refreshToken = pair.refreshToken;
    current.accessToken = pair.accessToken;
    this.epoch++;
    for (const listener of this.tokenListeners) listener(pair.accessToken);
    return pair.accessToken;
  }

  private emit(reason: SessionChangeReason): void {
    const info = this.info();
    for (const listener of this.sessionListeners) listener(info, reason);
  }
}
