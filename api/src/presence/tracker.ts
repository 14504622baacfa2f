/**
 * Which users have at least one connected socket. The in-memory tracker below knows one
 * API instance; a shared one (Redis: a set of socket ids per user, with per-instance
 * heartbeats so a crashed instance's sockets age out) implements the same interface for
 * several instances.
 */
export interface PresenceTracker {
  /** Records a connected socket. Resolves true when it is the user's only one (came online). */
  add(userId: string, socketId: string): Promise<boolean>;
  /** Records a closed socket. Resolves true when it was the user's last one (went offline). */
  remove(userId: string, socketId: string): Promise<boolean>;
  /** Answered from memory: it is read for every person a REST response shows. */
  isOnline(userId: string): boolean;
}

export class InMemoryPresenceTracker implements PresenceTracker {
  private readonly sockets = new Map<string, Set<string>>();

  add(userId: string, socketId: string): Promise<boolean> {
    let set = this.sockets.get(userId);
    const first = set === undefined || set.size === 0;
    if (!set) {
      set = new Set();
      this.sockets.set(userId, set);
    }
    set.add(socketId);
    return Promise.resolve(first);
  }

  remove(userId: string, socketId: string): Promise<boolean> {
    const set = this.sockets.get(userId);
    if (!set?.delete(socketId)) return Promise.resolve(false);
    if (set.size > 0) return Promise.resolve(false);
    this.sockets.delete(userId);
    return Promise.resolve(true);
  }

  isOnline(userId: string): boolean {
    return (this.sockets.get(userId)?.size ?? 0) > 0;
  }
}
