import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
  type ECDH,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PushPayload } from '@chat/protocol';

/**
 * A Web Push service on loopback for tests: it keeps every request, and each test
 * subscription (keys made with node:crypto, as a browser would) decrypts what was sent to
 * it (RFC 8291, aes128gcm) and checks the VAPID signature (RFC 8292) itself, so a test
 * fails on anything a real push service or browser would refuse.
 */

export interface ReceivedPush {
  /** The subscription's id (the last path segment of its endpoint). */
  id: string;
  headers: IncomingMessage['headers'];
  payload: PushPayload;
  vapid: { aud: string; exp: number; sub: string };
  receivedAt: number;
}

export interface TestSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** Decrypts an aes128gcm body sent to this subscription. */
  decrypt(body: Buffer): Buffer;
}

export interface TestPushService {
  url: string;
  received: ReceivedPush[];
  /** Raw requests that could not be read (never expected). */
  errors: string[];
  subscription(): TestSubscription;
  /** Makes the next requests to a subscription answer with these statuses (then 201). */
  answer(id: string, ...statuses: { status: number; retryAfter?: string }[]): void;
  /** Every request, answered or not, per subscription id. */
  attempts: Map<string, number>;
  /** TCP connections accepted so far, and those still open. */
  connections: { accepted: number; open: number };
  /** Resolves once as many connections as `open` are left (an event, not a poll). */
  waitForOpenConnections(open: number, timeoutMs?: number): Promise<void>;
  waitFor(predicate: (pushes: ReceivedPush[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestPushService(): Promise<TestPushService> {
  const subscriptions = new Map<string, TestSubscription>();
  const scripted = new Map<string, { status: number; retryAfter?: string }[]>();
  const attempts = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const errors: string[] = [];
  const waiters = new Set<() => void>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = (req.url ?? '').split('/').pop() ?? '';
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      const next = scripted.get(id)?.shift();
      if (next) {
        if (next.retryAfter !== undefined) res.setHeader('Retry-After', next.retryAfter);
        res.writeHead(next.status).end();
        return;
      }
      const subscription = subscriptions.get(id);
      try {
        if (!subscription) throw new Error(`unknown subscription ${id}`);
        const vapid = checkVapid(req.headers.authorization, `http://${req.headers.host ?? ''}`);
        const payload = PushPayload.parse(
          JSON.parse(subscription.decrypt(Buffer.concat(chunks)).toString('utf8')),
        );
        received.push({ id, headers: req.headers, payload, vapid, receivedAt: Date.now() });
        res.writeHead(201).end();
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
        res.writeHead(400).end();
      }
      for (const wake of waiters) wake();
    });
  });
  const connections = { accepted: 0, open: 0 };
  const connectionWaiters = new Set<() => void>();
  server.on('connection', (socket) => {
    connections.accepted += 1;
    connections.open += 1;
    socket.once('close', () => {
      connections.open -= 1;
      for (const wake of connectionWaiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    received,
    errors,
    attempts,
    connections,
    waitForOpenConnections(open, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (connections.open !== open) return;
          connectionWaiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          connectionWaiters.delete(check);
          reject(new Error(`${connections.open} connections open, not ${open}`));
        }, timeoutMs);
        connectionWaiters.add(check);
        check();
      });
    },
    subscription() {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const subscription: TestSubscription = {
        id,
        endpoint: `${url}/push/${id}`,
        keys: {
          p256dh: ecdh.getPublicKey().toString('base64url'),
          auth: auth.toString('base64url'),
        },
        decrypt: (body) => decryptAes128gcm(body, ecdh, auth),
      };
      subscriptions.set(id, subscription);
      return subscription;
    },
    answer(id, ...statuses) {
      scripted.set(id, [...(scripted.get(id) ?? []), ...statuses]);
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (errors.length > 0) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`push service errors: ${errors.join('; ')}`));
          } else if (predicate(received)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`pushes not as expected: ${JSON.stringify(received.map((p) => p.payload))}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** RFC 8291 §3.4 and RFC 8188: one record, key and nonce from the ECDH secret and auth. */
function decryptAes128gcm(body: Buffer, ecdh: ECDH, auth: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const serverKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (recordSize < 18 || ciphertext.length > recordSize) throw new Error('bad record size');
  const shared = ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, auth, keyInfo, 32));
  const cek = Buffer.from(
    hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16),
  );
  const nonce = Buffer.from(
    hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12),
  );
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('missing last-record delimiter');
  return padded.subarray(0, end);
}

/** `vapid t=<JWT>, k=<public key>`: checks the ES256 signature and returns the claims. */
function checkVapid(
  header: string | undefined,
  expectedAudience: string,
): { aud: string; exp: number; sub: string } {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`no VAPID authorization: ${header ?? ''}`);
  const [head, claims, signature] = match[1].split('.');
  if (head === undefined || claims === undefined || signature === undefined) {
    throw new Error('malformed JWT');
  }
  const point = Buffer.from(match[2], 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const valid = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('bad VAPID signature');
  const parsed = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as {
    aud: string;
    exp: number;
    sub: string;
  };
  if (parsed.aud !== expectedAudience) throw new Error(`VAPID aud ${parsed.aud}`);
  return parsed;
}
