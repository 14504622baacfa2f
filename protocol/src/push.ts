import { z } from 'zod';
import { codePointLength, codePointPrefix } from './limits';
import type { NotificationLevel } from './models';

/**
 * Web Push (RFC 8030 delivery, RFC 8291 payload encryption, VAPID RFC 8292): the REST
 * bodies, the payload a push carries, and the one rule that decides whether a message
 * notifies, shared by the API (pushes), the web client and the desktop app.
 */

export const PUSH_LIMITS = {
  /** A push service URL; the ones browsers hand out are a few hundred characters. */
  endpointMax: 2048,
  /** The payload's body, in Unicode code points. */
  bodyMax: 100,
  /** How long a push service keeps an undelivered push (TTL header), in seconds. */
  ttlSeconds: 24 * 60 * 60,
} as const;

/** base64url without padding, as `PushSubscription.toJSON()` gives the keys. */
const Base64Url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url without padding');

export const PushKeyResponse = z.object({ publicKey: z.string() });
export type PushKeyResponse = z.infer<typeof PushKeyResponse>;

export const PushSubscriptionRequest = z.object({
  endpoint: z.string().min(1).max(PUSH_LIMITS.endpointMax),
  keys: z.object({
    // An uncompressed P-256 point is 65 bytes: 87 characters.
    p256dh: Base64Url(87, 87),
    // The 16-byte authentication secret: 22 characters.
    auth: Base64Url(22, 22),
  }),
});
export type PushSubscriptionRequest = z.input<typeof PushSubscriptionRequest>;

export const PushUnsubscribeRequest = z.object({
  endpoint: z.string().min(1).max(PUSH_LIMITS.endpointMax),
});
export type PushUnsubscribeRequest = z.input<typeof PushUnsubscribeRequest>;

/** The caller's push preferences; `showText: false` puts "New message" in place of the text. */
export const PushPreferences = z.object({ showText: z.boolean() });
export type PushPreferences = z.infer<typeof PushPreferences>;

/** `PUT /api/push/preferences`. */
export const SetPushPreferencesRequest = z.object({ showText: z.boolean() });
export type SetPushPreferencesRequest = z.input<typeof SetPushPreferencesRequest>;

/** What a push carries, encrypted end to end to the browser. */
export const PushPayload = z.object({
  conversationId: z.string(),
  seq: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
});
export type PushPayload = z.infer<typeof PushPayload>;

/** The body shown when the user turned message text in pushes off. */
export const PUSH_HIDDEN_BODY = 'New message';

/**
 * Whether a message from someone else notifies a member at their level: everything at
 * `all`, only a message naming them at `mentions`, nothing at `none`.
 */
export function notifiesAt(level: NotificationLevel, mentionsMe: boolean): boolean {
  return level === 'all' || (level === 'mentions' && mentionsMe);
}

/**
 * Burst coalescing, one rule for the server's pushes and the clients' notifications: per
 * conversation, at most one notification per `intervalMs`; what arrives in between waits
 * and replaces the waiting one (same tag / Topic), so a burst of 50 messages is two
 * notifications (the first message at once, then the newest), not 50.
 */
export const NOTIFICATION_COALESCING = {
  /** How long the first message of a burst waits for the next ones (0: shown at once). */
  gatherMs: 0,
  /** The least time between two notifications of one conversation. */
  intervalMs: 5_000,
} as const;

/**
 * When the notification for a conversation may go out: not before `gatherMs` after the
 * message that started the wait, nor before `intervalMs` after the last one shown.
 */
export function notificationDueAt(
  firstPendingAt: number,
  lastShownAt: number | null,
  timing: { gatherMs: number; intervalMs: number } = NOTIFICATION_COALESCING,
): number {
  const gathered = firstPendingAt + timing.gatherMs;
  return lastShownAt === null ? gathered : Math.max(gathered, lastShownAt + timing.intervalMs);
}

/** The notification tag of a conversation: a new notification replaces the shown one. */
export function notificationTag(conversationId: string): string {
  return `conversation:${conversationId}`;
}

/** Cuts text to `max` code points (whitespace runs as one space), ending in "…" when cut. */
export function clipText(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return codePointLength(flat) <= max ? flat : `${codePointPrefix(flat, max - 1)}…`;
}
