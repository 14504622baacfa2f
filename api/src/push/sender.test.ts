import { createECDH } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { PushPayload } from '@chat/protocol';
import { startTestPushService, type TestPushService } from '../../test/push-service';
import type { VapidSettings } from '../config';
import type { PushSubscriptionRecord } from '../store/types';
import {
  createPushSender,
  signVapid,
  VapidHeaders,
  type ClosablePushSender,
  type VapidSigner,
} from './sender';

const HOUR = 3_600_000;

function vapid(): VapidSettings {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    publicKey: ecdh.getPublicKey().toString('base64url'),
    privateKey: Buffer.from(ecdh.getPrivateKey().toString('hex').padStart(64, '0'), 'hex').toString(
      'base64url',
    ),
    subject: 'mailto:sender-test@example.com',
  };
}

/** The real signer, counted: how often a token was actually signed. */
function countingSigner(): { sign: VapidSigner; audiences: string[] } {
  const audiences: string[] = [];
  return {
    audiences,
    sign: (audience, settings, expiresAt) => {
      audiences.push(audience);
      return signVapid(audience, settings, expiresAt);
    },
  };
}

function record(service: TestPushService): PushSubscriptionRecord {
  const subscription = service.subscription();
  return {
    endpoint: subscription.endpoint,
    userId: 'u1',
    sessionId: 's1',
    p256dh: subscription.keys.p256dh,
    auth: subscription.keys.auth,
    createdAt: new Date(),
  };
}

let seq = 0;
function payload(): PushPayload {
  seq += 1;
  return { conversationId: 'c1', seq, title: 'Ann', body: `message ${seq}` };
}

let first: TestPushService;
let second: TestPushService;
const senders: ClosablePushSender[] = [];

function sender(options: Partial<Parameters<typeof createPushSender>[0]> = {}) {
  const created = createPushSender({ vapid: vapid(), allowPrivate: true, ...options });
  senders.push(created);
  return created;
}

beforeAll(async () => {
  [first, second] = await Promise.all([startTestPushService(), startTestPushService()]);
});
afterEach(() => {
  for (const created of senders.splice(0)) created.close();
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
});

describe('the VAPID header is signed once per push service and reused', () => {
  test('two pushes to one origin sign once, another origin signs its own; all verify', async () => {
    const counted = countingSigner();
    const push = sender({ vapidHeaders: new VapidHeaders({ sign: counted.sign }) });
    const before = first.received.length + second.received.length;
    for (const service of [first, first, second, second]) {
      expect(await push.send(record(service), payload())).toEqual({ kind: 'sent' });
    }
    expect(counted.audiences).toEqual([first.url, second.url]);
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
    const received = [...first.received, ...second.received].slice(before);
    expect(received).toHaveLength(4);
    const nowSeconds = Date.now() / 1000;
    for (const push of received) {
      // RFC 8292 §2: a push service refuses an `exp` more than 24 h ahead.
      expect(push.vapid.exp).toBeGreaterThan(nowSeconds + 6 * 3600);
      expect(push.vapid.exp).toBeLessThan(nowSeconds + 24 * 3600);
    }
  });

  test('a token is signed again at half its life, and the new one is accepted', async () => {
    const counted = countingSigner();
    let now = Date.now();
    const push = sender({
      vapidHeaders: new VapidHeaders({ sign: counted.sign, now: () => now }),
    });
    const exps: number[] = [];
    const sendOne = async () => {
      const subscription = record(first);
      expect(await push.send(subscription, payload())).toEqual({ kind: 'sent' });
      const received = first.received.find((p) => subscription.endpoint.endsWith(p.id));
      exps.push(received?.vapid.exp ?? Number.NaN);
    };
    await sendOne();
    now += 6 * HOUR - 1_000;
    await sendOne();
    expect(counted.audiences).toHaveLength(1);
    now += 2_000;
    await sendOne();
    expect(counted.audiences).toHaveLength(2);
    expect(exps[1]).toBe(exps[0]);
    expect(exps[2]).toBeGreaterThan(exps[0] ?? Infinity);
    expect(first.errors).toEqual([]);
  });

  test('a changed key pair gets a token of its own, never the cached one', async () => {
    const counted = countingSigner();
    const shared = new VapidHeaders({ sign: counted.sign });
    const [oldKeys, newKeys] = [vapid(), vapid()];
    const before = first.received.length;
    for (const keys of [oldKeys, newKeys, oldKeys]) {
      const push = sender({ vapid: keys, vapidHeaders: shared });
      expect(await push.send(record(first), payload())).toEqual({ kind: 'sent' });
    }
    expect(counted.audiences).toEqual([first.url, first.url]);
    const keysSent = first.received
      .slice(before)
      .map((p) => /k=([A-Za-z0-9_-]+)$/.exec(p.headers.authorization ?? '')?.[1]);
    expect(keysSent).toEqual([oldKeys.publicKey, newKeys.publicKey, oldKeys.publicKey]);
    expect(first.errors).toEqual([]);
  });

  test('the cache is bounded: past its size the least recently used origin is forgotten', () => {
    const counted = countingSigner();
    const headers = new VapidHeaders({ sign: counted.sign, maxEntries: 2 });
    const keys = vapid();
    for (const origin of ['https://a.example', 'https://b.example', 'https://a.example']) {
      headers.authorization(origin, keys);
    }
    headers.authorization('https://c.example', keys); // forgets b, the least recently used
    headers.authorization('https://a.example', keys);
    headers.authorization('https://b.example', keys);
    expect(counted.audiences).toEqual([
      'https://a.example',
      'https://b.example',
      'https://c.example',
      'https://b.example',
    ]);
  });
});

describe('connections to a push service are kept open', () => {
  let service: TestPushService;
  beforeAll(async () => {
    service = await startTestPushService();
  });
  afterAll(async () => {
    await service.close();
  });

  test('pushes one after another share one connection, a burst at most the bound', async () => {
    const push = sender({ maxSocketsPerOrigin: 3 });
    for (let i = 0; i < 5; i += 1) {
      expect(await push.send(record(service), payload())).toEqual({ kind: 'sent' });
    }
    expect(service.connections.accepted).toBe(1);
    const burst = await Promise.all(
      Array.from({ length: 12 }, () => push.send(record(service), payload())),
    );
    expect(burst.every((outcome) => outcome.kind === 'sent')).toBe(true);
    expect(service.connections.accepted).toBeGreaterThan(1);
    expect(service.connections.accepted).toBeLessThanOrEqual(3);
    expect(service.errors).toEqual([]);
    expect(service.connections.open).toBeGreaterThan(0);
    // At API shutdown the idle connections are closed, not left to time out.
    push.close();
    await service.waitForOpenConnections(0);
  });
});

test('a kept connection the push service closed as it was reused is retried at once on a new one', async () => {
  // The first request on each connection is answered and the connection kept; a second
  // request on it finds it closed, as when a push service ends an idle connection.
  const requestsOn = new Map<object, number>();
  let accepted = 0;
  const server = createServer((req, res) => {
    const count = (requestsOn.get(req.socket) ?? 0) + 1;
    requestsOn.set(req.socket, count);
    req.resume();
    req.on('end', () => {
      if (count === 1) res.writeHead(201).end();
      else req.socket.destroy();
    });
  });
  server.on('connection', () => (accepted += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const push = sender();
    const subscription = { ...record(first), endpoint: `${url}/push/x` };
    expect(await push.send(subscription, payload())).toEqual({ kind: 'sent' });
    expect(await push.send(subscription, payload())).toEqual({ kind: 'sent' });
    expect(accepted).toBe(2);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
