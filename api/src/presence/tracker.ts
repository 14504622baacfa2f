/**
 * Which users are online, and who announces it. The in-memory tracker below knows one API
 * instance; the Redis one (scale/presence-tracker) implements the same interface for
 * several, deciding each transition atomically so it is announced once in the deployment.
 */
export interface PresenceTracker {
  /**
   * Records a connected socket. Resolves true when the user is to be announced online now:
   * nobody was told they are online, and this call is the one that changed it.
   */
  add(userId: string, socketId: string): Promise<boolean>;
  /** Records a closed socket. Resolves true when the user has no socket left anywhere: the offline grace starts. */
  remove(userId: string, socketId: string): Promise<boolean>;
  /**
   * After the grace. Resolves true when the user is still connected nowhere and was announced
   * online: the caller announces offline (exactly one caller does).
   */
  settleOffline(userId: string): Promise<boolean>;
  /** Answered from memory: it is read for every person a REST response shows. */
  isOnline(userId: string): boolean;
  /** Transitions the tracker finds by itself (e.g. another instance crashed). */
  watch?(watcher: PresenceWatcher): void;
}

export interface PresenceWatcher {
  /** The user's last socket went away unnoticed (its instance died) at `since`: start the grace. */
  away(userId: string, since: Date): void;
  /** The user is online again as far as the others know, without a new socket: announce it. */
  back(userId: string): void;
}

export class InMemoryPresenceTracker implements PresenceTracker {
  private readonly sockets = new Map<string, Set<string>>();
  /** Users whose last announcement was "online". */
  private readonly announced = new Set<string>();

  add(userId: string, socketId: string): Promise<boolean> {
    let set = this.sockets.get(userId);
    if (!set) {
      set = new Set();
      this.sockets.set(userId, set);
    }
    set.add(socketId);
    if (this.announced.has(userId)) return Promise.resolve(false);
    this.announced.add(userId);
    return Promise.resolve(true);
  }

  remove(userId: string, socketId: string): Promise<boolean> {
    const set = this.sockets.get(userId);
    if (!set?.delete(socketId)) return Promise.resolve(false);
    if (set.size > 0) return Promise.resolve(false);
    this.sockets.delete(userId);
    return Promise.resolve(true);
  }

  settleOffline(userId: string): Promise<boolean> {
    if (this.isOnline(userId)) return Promise.resolve(false);
    return Promise.resolve(this.announced.delete(userId));
  }

  isOnline(userId: string): boolean {
    return (this.sockets.get(userId)?.size ?? 0) > 0;
  }
}
