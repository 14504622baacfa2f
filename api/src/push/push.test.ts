import { createECDH } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PUSH_HIDDEN_BODY, PushKeyResponse, codePointLength } from '@chat/protocol';
import {
  createGroup,
  errorOf,
  openDirect,
  postMessage,
  registerUser,
  sleep,
  startTestApi,
  type RegisteredUser,
  type RestClient,
  type TestApi,
} from '../../test/helpers';
import {
  startTestPushService,
  type TestPushService,
  type TestSubscription,
} from '../../test/push-service';
import { waitFor } from '../../test/api-process';
import { startSharedInstances } from '../../test/shared-instances';
import type { App } from '../app';
import { pushTopic } from './sender';

const SUBJECT = 'mailto:push-test@example.com';
const TIMINGS = { gatherMs: 150, intervalMs: 1_500, retryBaseMs: 50, maxAttempts: 4 };

function vapidKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    publicKey: ecdh.getPublicKey().toString('base64url'),
    privateKey: Buffer.from(ecdh.getPrivateKey().toString('hex').padStart(64, '0'), 'hex').toString(
      'base64url',
    ),
  };
}

const VAPID = vapidKeys();
const VAPID_CONFIG = { subject: SUBJECT, keys: VAPID, keyFile: null };
let api: TestApi;
let pushService: TestPushService;

beforeAll(async () => {
  pushService = await startTestPushService();
  api = await startTestApi({
    config: { rateLimits: false, pushAllowPrivateEndpoints: true, vapid: VAPID_CONFIG },
    timings: { push: TIMINGS },
  });
});
afterAll(async () => {
  await api.close();
  await pushService.close();
});

async function subscribe(target: { http: RestClient }, user: { accessToken: string }) {
  const subscription = pushService.subscription();
  const response = await target.http.post('/api/push/subscriptions', {
    token: user.accessToken,
    body: { endpoint: subscription.endpoint, keys: subscription.keys },
  });
  expect(response.status).toBe(201);
  return subscription;
}

function pushesTo(subscription: TestSubscription) {
  return pushService.received.filter((push) => push.id === subscription.id);
}

/** Waits until no push is being considered, waiting or being sent. */
async function drained(...apps: App[]) {
  for (let i = 0; i < 400; i += 1) {
    if (apps.every((app) => app.services.push.busy === 0)) return;
    await sleep(25);
  }
  throw new Error('the push queue did not drain');
}

async function pair(): Promise<[RegisteredUser, RegisteredUser, string]> {
  const [ann, ben] = await Promise.all([
    registerUser(api, { displayName: 'Ann' }),
    registerUser(api, { displayName: 'Ben' }),
  ]);
  const direct = await openDirect(api, ann.accessToken, ben.user.id);
  return [ann, ben, direct.id];
}

describe('push key and subscriptions', () => {
  test('the VAPID public key is served to signed-in callers', async () => {
    const ann = await registerUser(api);
    const response = await api.http.get('/api/push/key', { token: ann.accessToken });
    expect(response.status).toBe(200);
    expect(PushKeyResponse.parse(response.body).publicKey).toBe(VAPID.publicKey);
    expect((await api.http.get('/api/push/key')).status).toBe(401);
  });

  test('bad keys and non-URLs are 400, nothing stored', async () => {
    const ann = await registerUser(api);
    const good = pushService.subscription();
    for (const body of [
      { endpoint: good.endpoint, keys: { p256dh: 'short', auth: good.keys.auth } },
      { endpoint: good.endpoint, keys: { p256dh: good.keys.p256dh } },
      { endpoint: 'not a url', keys: good.keys },
      { endpoint: 'ftp://push.example/x', keys: good.keys },
    ]) {
      const response = await api.http.post('/api/push/subscriptions', {
        token: ann.accessToken,
        body,
      });
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe('invalid_request');
    }
    expect(await api.store.push.listForUser(ann.user.id)).toEqual([]);
  });

  test('signing out ends the session’s subscriptions, not the other sessions’', async () => {
    const ann = await registerUser(api);
    const laptop = await subscribe(api, ann);
    const second = await api.http.post<{ accessToken: string }>('/api/auth/login', {
      body: { username: ann.user.username, password: ann.password },
    });
    const phone = await subscribe(api, second.body);
    expect((await api.store.push.listForUser(ann.user.id)).map((s) => s.endpoint).sort()).toEqual(
      [laptop.endpoint, phone.endpoint].sort(),
    );
    const out = await api.http.post('/api/auth/logout', { token: ann.accessToken });
    expect(out.status).toBe(204);
    expect((await api.store.push.listForUser(ann.user.id)).map((s) => s.endpoint)).toEqual([
      phone.endpoint,
    ]);
  });

  test('unsubscribing removes only the caller’s own endpoint', async () => {
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const annSub = await subscribe(api, ann);
    const other = await api.http.request('DELETE', '/api/push/subscriptions', {
      token: ben.accessToken,
      body: { endpoint: annSub.endpoint },
    });
    expect(other.status).toBe(204);
    expect(await api.store.push.listForUser(ann.user.id)).toHaveLength(1);
    const own = await api.http.request('DELETE', '/api/push/subscriptions', {
      token: ann.accessToken,
      body: { endpoint: annSub.endpoint },
    });
    expect(own.status).toBe(204);
    expect(await api.store.push.listForUser(ann.user.id)).toEqual([]);
  });
});

describe('what is pushed', () => {
  test('an offline member gets an encrypted, VAPID-signed push with TTL 24 h and a Topic', async () => {
    const [ann, ben, conversationId] = await pair();
    const benSub = await subscribe(api, ben);
    const before = Math.floor(Date.now() / 1000);
    const sent = await postMessage(api, ann.accessToken, conversationId, 'Hello Ben');
    await pushService.waitFor(() => pushesTo(benSub).length === 1);
    const [push] = pushesTo(benSub);
    expect(push?.payload).toEqual({
      conversationId,
      seq: sent.seq,
      title: 'Ann',
      body: 'Hello Ben',
    });
    expect(push?.headers.ttl).toBe('86400');
    expect(push?.headers['content-encoding']).toBe('aes128gcm');
    expect(push?.headers.topic).toBe(pushTopic(conversationId));
    expect(push?.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(push?.vapid.sub).toBe(SUBJECT);
    expect(push?.vapid.aud).toBe(pushService.url);
    expect(push?.vapid.exp).toBeGreaterThan(before);
    expect(push?.vapid.exp).toBeLessThanOrEqual(before + 24 * 60 * 60 + 5);
    // The sender's own subscription gets nothing.
    expect(pushService.received.some((p) => p.payload.seq === sent.seq && p.id !== benSub.id)).toBe(
      false,
    );
  });

  test('a group push names the group and the sender; a long body is cut to 100 characters', async () => {
    const [ann, ben] = await Promise.all([
      registerUser(api, { displayName: 'Ann' }),
      registerUser(api, { displayName: 'Ben' }),
    ]);
    const group = await createGroup(api, ann.accessToken, [ben.user.id], 'Climbing');
    const benSub = await subscribe(api, ben);
    await postMessage(api, ann.accessToken, group.id, 'x'.repeat(300));
    await pushService.waitFor(() => pushesTo(benSub).length === 1);
    const [push] = pushesTo(benSub);
    expect(push?.payload.title).toBe('Climbing');
    expect(push?.payload.body.startsWith('Ann: xxx')).toBe(true);
    expect(codePointLength(push?.payload.body ?? '')).toBeLessThanOrEqual(100);
  });

  test('a group message from someone the member blocked pushes nothing; others still do', async () => {
    const [ann, ben, cat] = await Promise.all([
      registerUser(api, { displayName: 'Ann' }),
      registerUser(api, { displayName: 'Ben' }),
      registerUser(api, { displayName: 'Cat' }),
    ]);
    const group = await createGroup(api, ann.accessToken, [ben.user.id, cat.user.id], 'Choir');
    const benSub = await subscribe(api, ben);
    const blocked = await api.http.request('PUT', `/api/users/${ann.user.id}/block`, {
      token: ben.accessToken,
    });
    expect(blocked.status).toBe(204);
    await postMessage(api, ann.accessToken, group.id, 'from the blocked one');
    const fromCat = await postMessage(api, cat.accessToken, group.id, 'from Cat');
    await pushService.waitFor(() => pushesTo(benSub).length === 1);
    await drained(api.app);
    expect(pushesTo(benSub).map((p) => p.payload.seq)).toEqual([fromCat.seq]);
  });

  test('with message text turned off the body is "New message"', async () => {
    const [ann, ben, conversationId] = await pair();
    const benSub = await subscribe(api, ben);
    const set = await api.http.request('PUT', '/api/push/preferences', {
      token: ben.accessToken,
      body: { showText: false },
    });
    expect(set.status).toBe(200);
    expect((await api.http.get('/api/push/preferences', { token: ben.accessToken })).body).toEqual({
      showText: false,
    });
    await postMessage(api, ann.accessToken, conversationId, 'the secret plan');
    await pushService.waitFor(() => pushesTo(benSub).length === 1);
    expect(pushesTo(benSub)[0]?.payload.body).toBe(PUSH_HIDDEN_BODY);
    const bad = await api.http.request('PUT', '/api/push/preferences', {
      token: ben.accessToken,
      body: { showText: 'no' },
    });
    expect(bad.status).toBe(400);
  });

  test('a member with a connected socket gets no push', async () => {
    const [ann, ben, conversationId] = await pair();
    const benSub = await subscribe(api, ben);
    const socket = await api.connect(ben.accessToken);
    const arrived = new Promise((resolve) => socket.once('message:new', resolve));
    await postMessage(api, ann.accessToken, conversationId, 'you are here');
    await arrived;
    await drained(api.app);
    expect(pushesTo(benSub)).toEqual([]);
    socket.disconnect();
  });

  test('a burst of 50 messages is a push per interval, the last showing the newest', async () => {
    const [ann, ben, conversationId] = await pair();
    const benSub = await subscribe(api, ben);
    const started = Date.now();
    let last = 0;
    for (let i = 1; i <= 50; i += 1) {
      last = (await postMessage(api, ann.accessToken, conversationId, `burst ${i}`)).seq;
    }
    const elapsed = Date.now() - started;
    await pushService.waitFor(() => pushesTo(benSub).some((p) => p.payload.seq === last));
    await drained(api.app);
    const pushes = pushesTo(benSub);
    // One at the start, then at most one per interval however slow the burst was sent
    // (on an idle machine the 50 sends take well under one interval: two pushes).
    expect(pushes.length).toBeLessThanOrEqual(2 + Math.floor(elapsed / TIMINGS.intervalMs));
    expect(pushes.length).toBeLessThan(50);
    for (let i = 1; i < pushes.length; i += 1) {
      const gap = (pushes[i]?.receivedAt ?? 0) - (pushes[i - 1]?.receivedAt ?? 0);
      // Measured where the pushes arrive: sending the earlier one may have taken a moment.
      expect(gap).toBeGreaterThanOrEqual(TIMINGS.intervalMs - 500);
    }
    expect(pushes.at(-1)?.payload.body).toBe('burst 50');
  });

  test('levels: mentions notify at "mentions", nothing at "none"', async () => {
    const [ann, ben, conversationId] = await pair();
    const benSub = await subscribe(api, ben);
    const level = (value: string) =>
      api.http.request('PUT', `/api/conversations/${conversationId}/notifications`, {
        token: ben.accessToken,
        body: { level: value },
      });
    expect((await level('mentions')).status).toBe(204);
    await postMessage(api, ann.accessToken, conversationId, 'no name here');
    const mention = await postMessage(
      api,
      ann.accessToken,
      conversationId,
      `hey @${ben.user.username}`,
    );
    await pushService.waitFor(() => pushesTo(benSub).length >= 1);
    await drained(api.app);
    expect(pushesTo(benSub).map((p) => p.payload.seq)).toEqual([mention.seq]);

    expect((await level('none')).status).toBe(204);
    await postMessage(api, ann.accessToken, conversationId, `again @${ben.user.username}`);
    await drained(api.app);
    expect(pushesTo(benSub)).toHaveLength(1);
  });
});

describe('who has subscriptions is remembered', () => {
  test('messages to members without subscriptions read the store once; a subscription ends that at once', async () => {
    const [ann, ben, conversationId] = await pair();
    const push = api.app.services.push;
    await postMessage(api, ann.accessToken, conversationId, 'nobody subscribed');
    await drained(api.app);
    const lookups = push.stats.lookups;
    for (let i = 0; i < 5; i += 1) {
      await postMessage(api, ann.accessToken, conversationId, `still nobody ${i}`);
    }
    await drained(api.app);
    expect(push.stats.lookups).toBe(lookups);

    const benSub = await subscribe(api, ben);
    const sent = await postMessage(api, ann.accessToken, conversationId, 'now Ben hears');
    await pushService.waitFor(() => pushesTo(benSub).length === 1);
    expect(pushesTo(benSub)[0]?.payload.seq).toBe(sent.seq);
  });
});

describe('push service answers', () => {
  test('410 ends the subscription', async () => {
    const [ann, ben, conversationId] = await pair();
    const benSub = await subscribe(api, ben);
    pushService.answer(benSub.id, { status: 410 });
    await postMessage(api, ann.accessToken, conversationId, 'are you there');
    await drained(api.app);
    expect(pushService.attempts.get(benSub.id)).toBe(1);
    expect(await api.store.push.listForUser(ben.user.id)).toEqual([]);
  });

  test('429 and 5xx are retried, honouring Retry-After', async () => {
    const [ann, ben, conversationId] = await pair();
    const benSub = await subscribe(api, ben);
    pushService.answer(benSub.id, { status: 429, retryAfter: '1' }, { status: 503 });
    const started = Date.now();
    await postMessage(api, ann.accessToken, conversationId, 'eventually');
    await pushService.waitFor(() => pushesTo(benSub).length === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(pushService.attempts.get(benSub.id)).toBe(3);
    expect(await api.store.push.listForUser(ben.user.id)).toHaveLength(1);
  });
});

describe('several instances', () => {
  test('each push is sent once, by the instance that stored the message', async () => {
    const shared = await startSharedInstances('push', {
      config: { pushAllowPrivateEndpoints: true, vapid: VAPID_CONFIG },
      timings: { push: TIMINGS },
    });
    try {
      const [ann, ben] = await Promise.all([
        registerUser(shared.one, { displayName: 'Ann' }),
        registerUser(shared.one, { displayName: 'Ben' }),
      ]);
      const direct = await openDirect(shared.two, ann.accessToken, ben.user.id);
      const benSub = await subscribe(shared.one, ben);
      const sent = await postMessage(shared.two, ann.accessToken, direct.id, 'once');
      await pushService.waitFor(() => pushesTo(benSub).length === 1);
      await drained(shared.one.app, shared.two.app);
      expect(pushesTo(benSub).map((p) => p.payload.seq)).toEqual([sent.seq]);

      // A socket on the other instance counts as connected.
      const socket = await shared.connect(shared.one, ben.accessToken);
      const arrived = new Promise((resolve) => socket.once('message:new', resolve));
      await postMessage(shared.two, ann.accessToken, direct.id, 'live');
      await arrived;
      await drained(shared.one.app, shared.two.app);
      expect(pushesTo(benSub)).toHaveLength(1);
    } finally {
      await shared.close();
    }
  });

  test('a subscription on one instance ends what the other remembers', async () => {
    const shared = await startSharedInstances('push-remembered', {
      config: { pushAllowPrivateEndpoints: true, vapid: VAPID_CONFIG },
      timings: { push: TIMINGS },
    });
    try {
      const [ann, ben] = await Promise.all([
        registerUser(shared.one, { displayName: 'Ann' }),
        registerUser(shared.one, { displayName: 'Ben' }),
      ]);
      const direct = await openDirect(shared.two, ann.accessToken, ben.user.id);
      // Instance two remembers that Ben has no subscription...
      await postMessage(shared.two, ann.accessToken, direct.id, 'unheard');
      await drained(shared.one.app, shared.two.app);
      // ...until Ben subscribes on instance one, which tells instance two at once (the
      // relay is asynchronous, so a message or two may still go unpushed meanwhile); the
      // remembered answer's TTL (30 s) is far beyond this wait.
      const benSub = await subscribe(shared.one, ben);
      await waitFor(
        async () => {
          await postMessage(shared.two, ann.accessToken, direct.id, 'heard?');
          await drained(shared.one.app, shared.two.app);
          return pushesTo(benSub).length > 0 ? true : undefined;
        },
        { timeoutMs: 10_000, what: () => 'a push after subscribing on the other instance' },
      );
    } finally {
      await shared.close();
    }
  });
});
