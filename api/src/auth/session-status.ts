import type { SessionStore } from '../store/types';

export type RevocationOrigin = 'local' | 'remote';
export type RevocationListener = (sessionId: string, origin: RevocationOrigin) => void;

/**
 * Answers "is this session still live?" for every authenticated request and socket
 * without a database read in the common case. A session can only go from live to
 * revoked, never back, so a cached "live" is correct until this process hears of a
 * revocation: from AuthService (local) or, with several instances, from a pub/sub layer
 * that calls `markRevoked(id, 'remote')` (and listens for 'local' ones to publish).
 */
export class SessionStatus {
  /**
   * The owning user id while live; false when revoked or unknown. Map order doubles as
   * recency order.
   */
  private readonly cache = new Map<string, string | false>();
  private readonly pending = new Map<string, Promise<string | false>>();
  private readonly listeners = new Set<RevocationListener>();

  constructor(
    private readonly sessions: SessionStore,
    private readonly maxEntries = 50_000,
  ) {}

  /** Only call with a session id from a verified token: entries are made on first sight. */
  async isLive(sessionId: string): Promise<boolean> {
    return (await this.liveOwner(sessionId)) !== false;
  }

  /**
   * The user a live session belongs to, or false. Lets a caller check that a token's
   * `sub` and `sid` belong together, so even a token forged with a leaked secret cannot
   * pair someone's live session with another user.
   */
  async liveOwner(sessionId: string): Promise<string | false> {
    const cached = this.cache.get(sessionId);
    if (cached !== undefined) {
      this.cache.delete(sessionId);
      this.cache.set(sessionId, cached);
      return cached;
    }
    // Coalesce a burst of requests for a session not yet seen into one read.
    let lookup = this.pending.get(sessionId);
    if (!lookup) {
      lookup = this.sessions
        .findById(sessionId)
        .then((session) =>
          session !== null && session.revokedAt === null ? session.userId : false,
        );
      this.pending.set(sessionId, lookup);
    }
    try {
      const live = await lookup;
      // A revocation heard while the read was in flight wins over what the read saw.
      if (this.cache.get(sessionId) !== false) this.remember(sessionId, live);
      return this.cache.get(sessionId) ?? live;
    } finally {
      this.pending.delete(sessionId);
    }
  }

  /** Records a revocation and tells every listener (the socket layer disconnects). */
  markRevoked(sessionId: string, origin: RevocationOrigin = 'local'): void {
    this.remember(sessionId, false);
    for (const listener of this.listeners) listener(sessionId, origin);
  }

  /** Drops what is known about a session; the next check reads the store. */
  forget(sessionId: string): void {
    this.cache.delete(sessionId);
  }

  /**
   * Drops everything cached: revocations may have been missed (the pub/sub layer was
   * disconnected), so every session is read from the store again on its next use.
   */
  forgetAll(): void {
    this.cache.clear();
  }

  onRevoked(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remember(sessionId: string, live: string | false): void {
    this.cache.delete(sessionId);
    this.cache.set(sessionId, live);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
  }
}
