import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
  /** Connections kept open to one push service (the queue's concurrency by default). */
  maxSocketsPerOrigin?: number;
  /** How long an idle connection to a push service is kept. */
  idleSocketMs?: number;
  /** The VAPID header cache (tests pass one with their own clock or signer). */
  vapidHeaders?: VapidHeaders;
}

/** A push sender that holds connections: `close` ends them (at API shutdown). */
export interface ClosablePushSender extends PushSender {
  close(): void;
}

/** Signs one VAPID token (RFC 8292) for a push service origin; `expiresAt` in seconds. */
export type VapidSigner = (audience: string, vapid: VapidSettings, expiresAt: number) => string;

export const signVapid: VapidSigner = (audience, vapid, expiresAt) =>
  webpush.getVapidHeaders(
    audience,
    vapid.subject,
    vapid.publicKey,
    vapid.privateKey,
    'aes128gcm',
    expiresAt,
  ).Authorization;

export interface VapidHeadersOptions {
  sign?: VapidSigner;
  now?: () => number;
  /** A token's `exp` this long after it is signed; RFC 8292 allows at most 24 h. */
  lifetimeMs?: number;
  /** Push service origins remembered; the least recently used is forgotten first. */
  maxEntries?: number;
}

/**
 * The VAPID `Authorization` header per push service origin. Signing it (ES256, with
 * web-push converting the key to PEM each time) cost about 1.1 ms per push, several times
 * the payload's encryption, yet one token per origin may serve every push for hours: a
 * token is signed for 12 h and signed again at half its life, so every token sent has
 * hours left whatever the push service's clock says. Keyed by the key pair and subject
 * too, so a changed key is never answered with a token it did not sign.
 */
export class VapidHeaders {
  private readonly cache = new Map<string, { header: string; refreshAt: number }>();
  private readonly sign: VapidSigner;
  private readonly now: () => number;
  private readonly lifetimeMs: number;
  private readonly maxEntries: number;

  constructor(options: VapidHeadersOptions = {}) {
    this.sign = options.sign ?? signVapid;
    this.now = options.now ?? Date.now;
    this.lifetimeMs = options.lifetimeMs ?? 12 * 3_600_000;
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  authorization(audience: string, vapid: VapidSettings): string {
    const key = `${audience} ${vapid.publicKey} ${vapid.subject}`;
    const now = this.now();
    const cached = this.cache.get(key);
    // Deleted and set again either way: the Map's order is then least recently used first.
    this.cache.delete(key);
    if (cached && now < cached.refreshAt) {
      this.cache.set(key, cached);
      return cached.header;
    }
    const header = this.sign(audience, vapid, Math.floor((now + this.lifetimeMs) / 1000));
    this.cache.set(key, { header, refreshAt: now + this.lifetimeMs / 2 });
    if (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    return header;
  }
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

/**
 * Sends one encrypted (RFC 8291, aes128gcm), VAPID-signed (RFC 8292) push, over a
 * connection kept open to each push service (to a real one a TLS handshake saved per push).
 */
export function createPushSender(options: PushSenderOptions): ClosablePushSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const vapidHeaders = options.vapidHeaders ?? new VapidHeaders();
  // Bounded per origin: a burst waits for a connection rather than opening hundreds.
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSocketsPerOrigin ?? 8,
    maxFreeSockets: options.maxSocketsPerOrigin ?? 8,
    timeout: options.idleSocketMs ?? 60_000,
    scheduling: 'lifo' as const,
  };
  const agents = { https: new HttpsAgent(agentOptions), http: new HttpAgent(agentOptions) };
  return {
    send(subscription, payload) {
      let url: URL;
      try {
        url = new URL(subscription.endpoint);
      } catch {
        return Promise.resolve({ kind: 'failed', reason: 'unreadable endpoint' });
      }
      const isHttps = url.protocol === 'https:';
      if (!isHttps && !(options.allowPrivate && url.protocol === 'http:')) {
        return Promise.resolve({ kind: 'failed', reason: `refused scheme ${url.protocol}` });
      }
      // The header is given ready-made and `vapidDetails` left out, so web-push only encrypts.
      const details = webpush.generateRequestDetails(
        {
          endpoint: subscription.endpoint,
          keys: { p256dh: subscription.p256dh, auth: subscription.auth },
        },
        JSON.stringify(payload),
        {
          headers: { Authorization: vapidHeaders.authorization(url.origin, options.vapid) },
          TTL: PUSH_LIMITS.ttlSeconds,
          contentEncoding: 'aes128gcm',
          urgency: 'normal',
          topic: pushTopic(payload.conversationId),
        },
      );
      return post(url, details.headers, details.body, {
        agent: isHttps ? agents.https : agents.http,
        allowPrivate: options.allowPrivate,
        timeoutMs,
      });
    },
    close() {
      agents.https.destroy();
      agents.http.destroy();
    },
  };
}

async function post(
  url: URL,
  headers: Record<string, string | number>,
  body: Buffer,
  options: { agent: HttpAgent; allowPrivate: boolean; timeoutMs: number },
): Promise<PushOutcome> {
  const first = await postOnce(url, headers, body, options);
  // A push service may close an idle connection just as it is reused: that push never
  // reached it, so it goes again at once on a fresh connection rather than after a backoff.
  if (first.kind === 'reset') return postOnce(url, headers, body, options).then(settled);
  return first;
}

function settled(outcome: PushOutcome | { kind: 'reset'; reason: string }): PushOutcome {
  return outcome.kind === 'reset'
    ? { kind: 'retry', retryAfterMs: null, reason: outcome.reason }
    : outcome;
}

function postOnce(
  url: URL,
  headers: Record<string, string | number>,
  body: Buffer,
  options: { agent: HttpAgent; allowPrivate: boolean; timeoutMs: number },
): Promise<PushOutcome | { kind: 'reset'; reason: string }> {
  return new Promise((resolve) => {
    const isHttps = url.protocol === 'https:';
    const request = (isHttps ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent: options.agent,
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
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (request.reusedSocket && err.code === 'ECONNRESET') {
        resolve({ kind: 'reset', reason: err.message });
      } else resolve({ kind: 'retry', retryAfterMs: null, reason: err.message });
    });
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
