import type { Logger } from 'pino';
import { LIMITS } from '@chat/protocol';
import type { Clock } from '../clock';
import type { Notifier } from '../realtime/notifier';
import type { Store } from '../store/types';
import type { PresenceReader } from '../users/presence';
import type { PresenceTracker } from './tracker';

export interface PresenceServiceDeps {
  tracker: PresenceTracker;
  store: Pick<Store, 'users' | 'conversations'>;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  /** How long after a user's last socket closes offline is announced. At most 5 s. */
  offlineGraceMs?: number | undefined;
}

interface PendingOffline {
  timer: NodeJS.Timeout;
  /** When the last socket closed: the moment the user was last seen. */
  since: Date;
}

/**
 * Turns socket connects and disconnects into `presence` events for the users who share a
 * conversation with the user. Offline is announced only after a grace period, so a quick
 * reconnect (a network switch, a reload) shows no flicker; `lastSeenAt` is stored before
 * offline is announced, so anyone who looks the user up afterwards sees it.
 */
export class PresenceService implements PresenceReader {
  private readonly graceMs: number;
  private readonly pending = new Map<string, PendingOffline>();
  /** One transition at a time per user, so announcements cannot overtake each other. */
  private readonly chains = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly deps: PresenceServiceDeps) {
    this.graceMs = Math.min(
      deps.offlineGraceMs ?? LIMITS.presenceOfflineGraceMs,
      LIMITS.presenceOfflineGraceMs,
    );
    deps.tracker.watch?.({
      away: (userId, since) => {
        void this.serially(userId, () => {
          if (!this.closed) this.startGrace(userId, since);
          return Promise.resolve();
        });
      },
      back: (userId) => {
        void this.serially(userId, () => this.announce(userId, true, null));
      },
    });
  }

  /** Online while a socket is connected, and during the grace after the last one closed. */
  isOnline(userId: string): boolean {
    return this.deps.tracker.isOnline(userId) || this.pending.has(userId);
  }

  socketConnected(userId: string, socketId: string): Promise<void> {
    return this.serially(userId, async () => {
      const announce = await this.deps.tracker.add(userId, socketId);
      const pending = this.pending.get(userId);
      if (pending) {
        // Back within the grace: the others never saw this user go, so the tracker says
        // there is nothing to announce.
        clearTimeout(pending.timer);
        this.pending.delete(userId);
      }
      if (announce) await this.announce(userId, true, null);
    });
  }

  socketDisconnected(userId: string, socketId: string): Promise<void> {
    return this.serially(userId, async () => {
      const last = await this.deps.tracker.remove(userId, socketId);
      if (!last || this.closed) return;
      this.startGrace(userId, new Date(this.deps.clock()));
    });
  }

  private startGrace(userId: string, since: Date): void {
    clearTimeout(this.pending.get(userId)?.timer);
    const entry: PendingOffline = {
      since,
      timer: setTimeout(() => {
        void this.serially(userId, () => this.goOffline(userId, entry));
      }, this.graceMs),
    };
    // Shutdown and idle tests should not wait for an announcement nobody will hear.
    entry.timer.unref();
    this.pending.set(userId, entry);
  }

  /**
   * Stops announcing. Users still within their grace are stored as last seen when their
   * socket closed, so a restart does not lose when they were last seen.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.chains.values());
    const pending = [...this.pending.entries()];
    this.pending.clear();
    for (const [userId, entry] of pending) {
      clearTimeout(entry.timer);
      try {
        await this.deps.store.users.setLastSeen(userId, entry.since);
      } catch (err) {
        this.deps.logger.warn({ err, userId }, 'could not store lastSeenAt on shutdown');
      }
    }
  }

  private async goOffline(userId: string, entry: PendingOffline): Promise<void> {
    // Superseded by a reconnect (and perhaps a later disconnect with its own timer).
    if (this.pending.get(userId) !== entry) return;
    this.pending.delete(userId);
    // Decided once for the whole deployment: a reconnect elsewhere, or another instance
    // having announced it already, makes this false.
    if (!(await this.deps.tracker.settleOffline(userId))) return;
    await this.deps.store.users.setLastSeen(userId, entry.since);
    await this.announce(userId, false, entry.since.toISOString());
  }

  private async announce(userId: string, online: boolean, lastSeenAt: string | null) {
    const [peers, blocked] = await Promise.all([
      this.deps.store.conversations.peerIds(userId),
      this.deps.store.users.listBlocked(userId),
    ]);
    // The people this user blocks hear nothing of their comings and goings.
    const told = blocked.length === 0 ? peers : peers.filter((id) => !blocked.includes(id));
    this.deps.notifier.toUsers(told, 'presence', { userId, online, lastSeenAt });
  }

  private serially(userId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(userId) ?? Promise.resolve();
    const next = previous.then(work).catch((err: unknown) => {
      this.deps.logger.error({ err, userId }, 'presence update failed');
    });
    this.chains.set(userId, next);
    void next.finally(() => {
      if (this.chains.get(userId) === next) this.chains.delete(userId);
    });
    return next;
  }
}
