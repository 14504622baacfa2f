import {
  clipText,
  notificationDueAt,
  notifiesAt,
  NOTIFICATION_COALESCING,
  PUSH_HIDDEN_BODY,
  PUSH_LIMITS,
  type Message,
  type PushPayload,
} from '@chat/protocol';
import { ApiError } from '../http/errors';
import type {
  ConversationStore,
  PushStore,
  PushSubscriptionRecord,
  UserStore,
} from '../store/types';
import { checkEndpoint, EndpointRefused, type EndpointPolicy } from './endpoint';
import type { PushSender } from './sender';

export interface PushTimings {
  /** Burst coalescing (the shared rule's values by default). */
  gatherMs: number;
  intervalMs: number;
  /** First retry after a 429/5xx without Retry-After; doubles each time. */
  retryBaseMs: number;
  /** The longest wait between two tries, Retry-After included. */
  retryMaxMs: number;
  /** Tries per push, the first included. */
  maxAttempts: number;
  /** Pushes in flight at once. */
  concurrency: number;
  /** Notifications waiting (coalesced per user and conversation) beyond which new ones are dropped. */
  maxPending: number;
}

export const PUSH_TIMINGS: PushTimings = {
  ...NOTIFICATION_COALESCING,
  retryBaseMs: 2_000,
  retryMaxMs: 10 * 60_000,
  maxAttempts: 5,
  concurrency: 8,
  maxPending: 10_000,
};

export interface PushServiceDeps {
  push: PushStore;
  users: Pick<UserStore, 'findByIds'>;
  conversations: Pick<ConversationStore, 'findById'>;
  sender: PushSender;
  publicKey: string;
  endpointPolicy: EndpointPolicy;
  /**
   * Those of `userIds` with a socket connected anywhere in the deployment: they received
   * the message live, so no push.
   */
  connectedAmong(userIds: readonly string[]): Promise<Set<string>>;
  /** Whether `recipientId` blocked `senderId`: a blocked sender's messages push nothing. */
  isBlocked?: (recipientId: string, senderId: string) => Promise<boolean>;
  logger: {
    warn(details: object, message: string): void;
    debug(details: object, message: string): void;
  };
  timings?: Partial<PushTimings>;
  /**
   * Tells the other instances that `userId` subscribed, so their remembered "no
   * subscriptions" ends at once (`forgetSubscriber` there). Without it (one instance)
   * nothing else needs telling.
   */
  relaySubscribed?: (userId: string) => void;
  /** How long a remembered answer to "has this user any subscription?" is used. */
  subscriberTtlMs?: number;
}

/**
 * Remembered "has subscriptions" answers. Most users of a chat have none, and every new
 * message asked the store about each recipient. A stale "yes" (the subscription or its
 * session has ended since) costs nothing but a lookup when the push is due, which reads
 * the store again; a stale "no" would lose a push, so a subscription here or on another
 * instance ends it at once and the TTL bounds what a lost relay could miss.
 */
const SUBSCRIBER_TTL_MS = 30_000;
const SUBSCRIBERS_MAX = 100_000;

interface Pending {
  userId: string;
  conversationId: string;
  /** The newest message that notifies; it replaces the older ones of the burst. */
  message: Message;
  timer: NodeJS.Timeout;
}

/**
 * Web Push: subscriptions, preferences, and the pushes themselves. A push never delays a
 * message: `messageSent` is called after the message is stored and emitted, returns at
 * once, and everything else happens on a bounded queue. Only the instance that stored a
 * message calls it, so each push is sent once however many instances run.
 */
export class PushService {
  private readonly timings: PushTimings;
  private readonly pending = new Map<string, Pending>();
  /** When each (user, conversation) last got a push, for the interval of the coalescing rule. */
  private readonly lastShown = new Map<string, number>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private considering = 0;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  /** userId -> whether they had a subscription, and when that was read. Map order = age. */
  private readonly subscribers = new Map<string, { has: boolean; at: number }>();
  private readonly subscriberTtlMs: number;
  /** Counts subscriptions heard of; a read that spans one is not remembered. */
  private subscriptionEpoch = 0;
  /** Counters for tests and logs; `lookups` counts store reads of who is subscribed. */
  readonly stats = { dropped: 0, sent: 0, gone: 0, failed: 0, lookups: 0 };

  constructor(private readonly deps: PushServiceDeps) {
    this.timings = { ...PUSH_TIMINGS, ...deps.timings };
    this.subscriberTtlMs = deps.subscriberTtlMs ?? SUBSCRIBER_TTL_MS;
  }

  /** What is remembered about `userId`'s subscriptions is dropped (another instance's news). */
  forgetSubscriber(userId: string): void {
    this.subscriptionEpoch += 1;
    this.subscribers.delete(userId);
  }

  publicKey(): { publicKey: string } {
    return { publicKey: this.deps.publicKey };
  }

  /** @throws ApiError('invalid_request') for an endpoint pushes may not go to. */
  async subscribe(
    caller: { userId: string; sessionId: string },
    input: { endpoint: string; keys: { p256dh: string; auth: string } },
  ): Promise<void> {
    try {
      await checkEndpoint(input.endpoint, this.deps.endpointPolicy);
    } catch (err) {
      if (err instanceof EndpointRefused) {
        throw new ApiError('invalid_request', err.message, [
          { path: 'endpoint', message: err.message },
        ]);
      }
      throw err;
    }
    const stored = await this.deps.push.subscribe({
      endpoint: input.endpoint,
      userId: caller.userId,
      sessionId: caller.sessionId,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
    });
    // The session ended between authentication and the write.
    if (!stored) throw new ApiError('unauthorized');
    this.forgetSubscriber(caller.userId);
    this.deps.relaySubscribed?.(caller.userId);
  }

  async unsubscribe(userId: string, endpoint: string): Promise<void> {
    await this.deps.push.unsubscribe(userId, endpoint);
    this.subscribers.delete(userId);
  }

  async preferences(userId: string): Promise<{ showText: boolean }> {
    return { showText: await this.deps.push.showText(userId) };
  }

  async setPreferences(userId: string, input: { showText: boolean }) {
    await this.deps.push.setShowText(userId, input.showText);
    return { showText: input.showText };
  }

  /** A new message was stored and emitted to `members`. Returns at once. */
  messageSent(message: Message, members: readonly string[]): void {
    if (this.closed || message.kind !== 'text') return;
    this.considering += 1;
    void this.consider(message, members)
      .catch((err: unknown) => {
        this.deps.logger.warn({ err, conversationId: message.conversationId }, 'push skipped');
      })
      .finally(() => {
        this.considering -= 1;
      });
  }

  /** Stops taking work; waiting pushes are dropped, retries end. */
  close(): void {
    this.closed = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
    for (const wake of this.sleepers) wake();
    for (const next of this.waiting.splice(0)) next();
  }

  /** Pushes waiting to go out or being sent: for tests that wait for the queue to drain. */
  get busy(): number {
    return this.considering + this.pending.size + this.running + this.waiting.length;
  }

  private async consider(message: Message, members: readonly string[]): Promise<void> {
    const { push, isBlocked } = this.deps;
    const others = members.filter((id) => id !== message.senderId);
    const subscribed = await this.subscribedAmong(others);
    if (subscribed.length === 0) return;
    const levels = await push.levelsOf(message.conversationId, subscribed);
    for (const userId of subscribed) {
      const level = levels.get(userId) ?? 'all';
      if (!notifiesAt(level, message.mentions.includes(userId))) continue;
      if (isBlocked && (await isBlocked(userId, message.senderId))) continue;
      this.enqueue(userId, message);
    }
  }

  /** Those of `userIds` with a subscription, reading the store only for who is not remembered. */
  private async subscribedAmong(userIds: readonly string[]): Promise<string[]> {
    const now = Date.now();
    const subscribed: string[] = [];
    const unknown: string[] = [];
    for (const userId of userIds) {
      const known = this.subscribers.get(userId);
      if (known === undefined || now - known.at >= this.subscriberTtlMs) unknown.push(userId);
      else if (known.has) subscribed.push(userId);
    }
    if (unknown.length === 0) return subscribed;
    this.stats.lookups += 1;
    const epoch = this.subscriptionEpoch;
    const found = new Set(await this.deps.push.subscribedAmong(unknown));
    // A subscription made while the read was in flight may be missing from it: then
    // nothing this read saw is remembered (rare, and the next message reads again).
    const remember = epoch === this.subscriptionEpoch;
    for (const userId of unknown) {
      if (remember) {
        this.subscribers.delete(userId);
        this.subscribers.set(userId, { has: found.has(userId), at: now });
      }
      if (found.has(userId)) subscribed.push(userId);
    }
    while (this.subscribers.size > SUBSCRIBERS_MAX) {
      const oldest = this.subscribers.keys().next();
      if (oldest.done === true) break;
      this.subscribers.delete(oldest.value);
    }
    return subscribed;
  }

  private enqueue(userId: string, message: Message): void {
    if (this.closed) return;
    const key = `${userId}\n${message.conversationId}`;
    const existing = this.pending.get(key);
    if (existing) {
      // Coalescing: the waiting notification now shows the newest message.
      if (message.seq > existing.message.seq) existing.message = message;
      return;
    }
    if (this.pending.size >= this.timings.maxPending) {
      this.stats.dropped += 1;
      this.deps.logger.warn({ userId }, 'push queue full: notification dropped');
      return;
    }
    const now = Date.now();
    const last = this.lastShown.get(key) ?? null;
    const delay = Math.max(0, notificationDueAt(now, last, this.timings) - now);
    const timer = setTimeout(() => {
      const entry = this.pending.get(key);
      if (!entry) return;
      this.pending.delete(key);
      this.lastShown.set(key, Date.now());
      this.forgetLater(key);
      void this.withSlot(() => this.deliver(entry)).catch((err: unknown) => {
        this.deps.logger.warn({ err, userId }, 'push failed');
      });
    }, delay);
    timer.unref();
    this.pending.set(key, { userId, conversationId: message.conversationId, message, timer });
  }

  /** lastShown only matters for one interval; keep the map small. */
  private forgetLater(key: string): void {
    const shownAt = this.lastShown.get(key);
    setTimeout(() => {
      if (this.lastShown.get(key) === shownAt) this.lastShown.delete(key);
    }, this.timings.intervalMs).unref();
  }

  private async withSlot(work: () => Promise<void>): Promise<void> {
    if (this.running >= this.timings.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    if (this.closed) return;
    this.running += 1;
    try {
      await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  private async deliver(entry: Pending): Promise<void> {
    const { push } = this.deps;
    // A socket connected now received the message (or catches up at once): no push.
    const connected = await this.deps.connectedAmong([entry.userId]);
    if (connected.has(entry.userId)) return;
    const subscriptions = await push.listForUser(entry.userId);
    if (subscriptions.length === 0) return;
    const payload = await this.payloadFor(entry.message, await push.showText(entry.userId));
    await Promise.all(subscriptions.map((subscription) => this.sendOne(subscription, payload)));
  }

  private async sendOne(subscription: PushSubscriptionRecord, payload: PushPayload) {
    const { sender, push, logger } = this.deps;
    for (let attempt = 1; !this.closed; attempt += 1) {
      const outcome = await sender.send(subscription, payload);
      if (outcome.kind === 'sent') {
        this.stats.sent += 1;
        return;
      }
      if (outcome.kind === 'gone') {
        this.stats.gone += 1;
        await push.remove(subscription.endpoint);
        logger.debug({ userId: subscription.userId }, 'push subscription gone: removed');
        return;
      }
      if (outcome.kind === 'failed' || attempt >= this.timings.maxAttempts) {
        this.stats.failed += 1;
        logger.warn(
          { userId: subscription.userId, reason: outcome.reason, attempt },
          'push not delivered',
        );
        return;
      }
      const backoff = this.timings.retryBaseMs * 2 ** (attempt - 1);
      const wait = Math.min(
        this.timings.retryMaxMs,
        Math.max(outcome.retryAfterMs ?? 0, backoff * (0.75 + Math.random() / 2)),
      );
      await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.sleepers.add(wake);
    });
  }

  private async payloadFor(message: Message, showText: boolean): Promise<PushPayload> {
    const [[sender], conversation] = await Promise.all([
      this.deps.users.findByIds([message.senderId]),
      this.deps.conversations.findById(message.conversationId),
    ]);
    const senderName = sender?.displayName ?? 'Someone';
    const group = conversation?.type === 'group' ? conversation.title : null;
    const title = group ?? senderName;
    let text: string;
    if (!showText) text = PUSH_HIDDEN_BODY;
    else {
      const files = message.attachments.length;
      const said =
        message.body.trim() !== ''
          ? message.body
          : files === 1
            ? 'Sent an attachment'
            : `Sent ${files} attachments`;
      text = group === null ? said : `${senderName}: ${said}`;
    }
    return {
      conversationId: message.conversationId,
      seq: message.seq,
      title: clipText(title, PUSH_LIMITS.bodyMax),
      body: clipText(text, PUSH_LIMITS.bodyMax),
    };
  }
}
