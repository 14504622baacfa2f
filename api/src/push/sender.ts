import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import webpush from 'web-push';
import { PUSH_LIMITS, type PushPayload } from '@chat/protocol';
import type { VapidSettings } from '../config';
import type { PushSubscriptionRecord } from '../store/types';
import { publicOnlyLookup } from './endpoint';

/** What the push service answered, reduced to what the queue acts on. */
export type PushOutcome =
  | { kind: 'sent' }
  /** 404/410: the subscription is gone for good (RFC 8030 §7.3). */
  | { kind: 'gone' }
  /** 429/5xx or no answer: worth another try, not before `retryAfterMs` when given. */
  | { kind: 'retry'; retryAfterMs: number | null; reason: string }
  /** Any other answer (400, 401, 403, 413...): trying again would not help. */
  | { kind: 'failed'; reason: string };

export interface PushSender {
  send(subscription: PushSubscriptionRecord, payload: PushPayload): Promise<PushOutcome>;
}

export interface PushSenderOptions {
  vapid: VapidSettings;
  /** Allow http: endpoints and non-public addresses (tests only). */
  allowPrivate: boolean;
  /** Give up on a push service that does not answer within this long. */
  timeoutMs?: number;
}

/**
 * The Topic of a conversation's pushes (RFC 8030 §5.4: at most 32 base64url characters):
 * a push service holding an undelivered push of the same topic replaces it, so a phone
 * that was offline gets one notification per conversation, not a backlog. Hashed, so the
 * push service learns no conversation id.
 */
export function pushTopic(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, 32);
}

/** Sends one encrypted (RFC 8291, aes128gcm), VAPID-signed (RFC 8292) push. */
export function createPushSender(options: PushSenderOptions): PushSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    send(subscription, payload) {
      const details = webpush.generateRequestDetails(
        {
          endpoint: subscription.endpoint,
          keys: { p256dh: subscription.p256dh, auth: subscription.auth },
        },
        JSON.stringify(payload),
        {
          vapidDetails: options.vapid,
          TTL: PUSH_LIMITS.ttlSeconds,
          contentEncoding: 'aes128gcm',
          urgency: 'normal',
          topic: pushTopic(payload.conversationId),
        },
      );
      return post(details.endpoint, details.headers, details.body, {
        allowPrivate: options.allowPrivate,
        timeoutMs,
      });
    },
  };
}

function post(
  endpoint: string,
  headers: Record<string, string | number>,
  body: Buffer,
  options: { allowPrivate: boolean; timeoutMs: number },
): Promise<PushOutcome> {
  return new Promise((resolve) => {
    const url = new URL(endpoint);
    const isHttps = url.protocol === 'https:';
    if (!isHttps && !(options.allowPrivate && url.protocol === 'http:')) {
      resolve({ kind: 'failed', reason: `refused scheme ${url.protocol}` });
      return;
    }
    const request = (isHttps ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': body.length },
      timeout: options.timeoutMs,
      ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
    });
    request.on('response', (response) => {
      // The body says nothing we act on; drain it so the socket is freed.
      response.resume();
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve({ kind: 'sent' });
      else if (status === 404 || status === 410) resolve({ kind: 'gone' });
      else if (status === 429 || status >= 500) {
        resolve({
          kind: 'retry',
          retryAfterMs: retryAfterMs(response.headers['retry-after']),
          reason: `status ${status}`,
        });
      } else resolve({ kind: 'failed', reason: `status ${status}` });
    });
    request.on('timeout', () => request.destroy(new Error('the push service did not answer')));
    request.on('error', (err) =>
      resolve({ kind: 'retry', retryAfterMs: null, reason: err.message }),
    );
    request.end(body);
  });
}

/** `Retry-After` in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
