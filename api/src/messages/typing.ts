import { LIMITS } from '@chat/protocol';
import type { Membership } from '../conversations/membership';
import type { Notifier } from '../realtime/notifier';

interface Typist {
  conversationId: string;
  userId: string;
  /** The socket that said so: when it goes, so does the indicator. */
  socketId: string | undefined;
  /** The members told of it: everyone else but those the typist blocks. */
  members: readonly string[];
  /** Whom the typist blocked when the run started. */
  blocked: readonly string[];
  timer: NodeJS.Timeout;
  /** When the others were last told `typing: true`. */
  relayedAt: number;
}

/**
 * Who is typing where. `typing: true` is relayed to the other members and holds for
 * `expiryMs` unless renewed; it ends with `typing: false`, a sent message, the typing
 * socket closing, or expiry, and each of those tells the others `typing: false` once.
 * Per instance, like the socket that typed: that instance alone holds the timer, so expiry
 * is announced once however many instances there are.
 */
export class TypingService {
  private readonly typists = new Map<string, Typist>();
  private readonly blockedReads = new Map<string, Promise<readonly string[]>>();
  private readonly expiryMs: number;

  constructor(
    private readonly membership: Membership,
    private readonly notifier: Notifier,
    private readonly options: {
      expiryMs?: number | undefined;
      /** Tells the other API instances of `clear`: the typist's socket may live on one of them. */
      relayClear?: ((conversationId: string, userId: string) => void) | undefined;
      /** The ids a user blocks: they are not told that user is typing (version 2). */
      blockedBy?: ((userId: string) => Promise<readonly string[]>) | undefined;
    } = {},
  ) {
    this.expiryMs = options.expiryMs ?? LIMITS.typingExpiryMs;
  }

  /** @throws ApiError('not_found') when `userId` is not a member. */
  async set(
    userId: string,
    conversationId: string,
    typing: boolean,
    socketId?: string,
  ): Promise<void> {
    const everyone = await this.membership.requireMember(conversationId, userId);
    const key = keyOf(conversationId, userId);
    if (!typing) {
      this.stop(key);
      return;
    }
    // The blocked list is read at the start of a typing run only; renewals reuse it.
    const blocked = this.typists.get(key)?.blocked ?? (await this.blockedBy(userId));
    const members =
      blocked.length === 0 ? everyone : everyone.filter((id) => !blocked.includes(id));
    const current = this.typists.get(key);
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => this.stop(key), this.expiryMs);
    timer.unref();
    // A state change is relayed at once; a renewal only every half expiry, which is enough
    // for the others' own expiry timers to start over and keeps a client that sends one
    // per keystroke (or a flood) from reaching every member each time (issue #14).
    const now = Date.now();
    const relay = !current || now - current.relayedAt >= this.expiryMs / 2;
    const relayedAt = current && !relay ? current.relayedAt : now;
    this.typists.set(key, {
      conversationId,
      userId,
      socketId,
      members,
      blocked,
      timer,
      relayedAt,
    });
    if (relay) this.notifyOthers(members, { conversationId, userId, typing: true });
  }

  /** The user sent a message: whatever they were typing is no longer being typed. */
  clear(conversationId: string, userId: string): void {
    this.clearHere(conversationId, userId);
    this.options.relayClear?.(conversationId, userId);
  }

  /** `clear` heard from another instance: only the instance holding the typist says so. */
  clearHere(conversationId: string, userId: string): void {
    this.stop(keyOf(conversationId, userId));
  }

  socketClosed(socketId: string): void {
    for (const [key, typist] of this.typists) {
      if (typist.socketId === socketId) this.stop(key);
    }
  }

  /** One read per user at a time, however many typing events arrive while it runs. */
  private blockedBy(userId: string): Promise<readonly string[]> {
    const read = this.options.blockedBy;
    if (read === undefined) return Promise.resolve([]);
    let pending = this.blockedReads.get(userId);
    if (pending === undefined) {
      pending = read(userId).finally(() => this.blockedReads.delete(userId));
      this.blockedReads.set(userId, pending);
    }
    return pending;
  }

  close(): void {
    for (const typist of this.typists.values()) clearTimeout(typist.timer);
    this.typists.clear();
  }

  private stop(key: string): void {
    const typist = this.typists.get(key);
    if (!typist) return;
    clearTimeout(typist.timer);
    this.typists.delete(key);
    this.notifyOthers(typist.members, {
      conversationId: typist.conversationId,
      userId: typist.userId,
      typing: false,
    });
  }

  private notifyOthers(
    members: readonly string[],
    event: { conversationId: string; userId: string; typing: boolean },
  ): void {
    const others = members.filter((id) => id !== event.userId);
    this.notifier.toUsers(others, 'typing', event);
  }
}

function keyOf(conversationId: string, userId: string): string {
  return `${conversationId}\u0000${userId}`;
}
