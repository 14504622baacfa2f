import { request } from 'node:http';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { HistoryResponse } from '@chat/protocol';
import {
  EventLog,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type ChatClientSocket,
  type TestApi,
} from '../../test/helpers';
import { SOCKETS_PER_SESSION_MAX } from './server';

/** Another loopback address: the attacker's machine, as far as the API can tell. */
const ATTACKER_ADDRESS = '127.0.0.2';

interface RawReply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One raw engine.io polling request, as someone holding only the session id would send it. */
function rawPoll(
  url: string,
  sid: string,
  options: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {},
): Promise<RawReply> {
  const target = new URL(`/socket.io/?EIO=4&transport=polling&sid=${sid}`, url);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        localAddress: ATTACKER_ADDRESS,
        headers: { 'content-type': 'text/plain;charset=UTF-8', ...options.headers },
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('raw poll timed out')));
    req.end(options.body);
  });
}

/** Tries to upgrade the polling session to a WebSocket; resolves with what happened. */
function rawUpgrade(url: string, sid: string): Promise<'upgraded' | 'refused'> {
  const target = new URL(`/socket.io/?EIO=4&transport=websocket&sid=${sid}`, url);
  target.protocol = 'ws:';
  return new Promise((resolve) => {
    const ws = new WebSocket(target, { localAddress: ATTACKER_ADDRESS, handshakeTimeout: 5_000 });
    ws.on('open', () => {
      ws.close();
      resolve('upgraded');
    });
    ws.on('error', () => resolve('refused'));
    ws.on('unexpected-response', () => {
      ws.terminate();
      resolve('refused');
    });
  });
}

/** A contract client that stays on long-polling, so its `sid` is in every request URL. */
function connectPolling(
  url: string,
  token: string,
  extraHeaders: Record<string, string> = {},
): Promise<ChatClientSocket> {
  const socket: ChatClientSocket = ioClient(url, {
    auth: { token },
    upgrade: false,
    extraHeaders,
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function engineIdOf(socket: ChatClientSocket): string {
  return (socket.io.engine as unknown as { id: string }).id;
}

async function historyCount(api: TestApi, token: string, conversationId: string) {
  const response = await api.http.get<HistoryResponse>(
    `/api/conversations/${conversationId}/messages`,
    { token },
  );
  return response.body.messages.length;
}

describe('a polling session id alone gives nothing', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  test('another address holding the sid cannot read, post or upgrade; the owner is unaffected', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    const direct = await openDirect(api, alice.accessToken, bob.user.id);
    const victim = await connectPolling(api.url, alice.accessToken);
    const sid = engineIdOf(victim);

    const read = await rawPoll(api.url, sid);
    expect(read.status).toBe(400);
    // An ack id and a payload the server would accept from the victim's own socket.
    const packet = `421["message:send",${JSON.stringify({
      conversationId: direct.id,
      clientId: 'forged-1',
      body: 'sent by someone else',
    })}]`;
    const post = await rawPoll(api.url, sid, { method: 'POST', body: packet });
    expect(post.status).toBe(400);
    expect(await rawUpgrade(api.url, sid)).toBe('refused');

    // Nothing was stored in the victim's name, and the victim's session still works.
    expect(await historyCount(api, bob.accessToken, direct.id)).toBe(0);
    const inbox = new EventLog(victim, 'message:new');
    await postMessage(api, bob.accessToken, direct.id, 'still yours');
    await inbox.waitFor((m) => m.body === 'still yours');
    expect(victim.connected).toBe(true);
    victim.disconnect();
  });

  test('a contract client with default transports connects and upgrades to WebSocket', async () => {
    const alice = await registerUser(api);
    const socket: ChatClientSocket = ioClient(api.url, {
      auth: { token: alice.accessToken },
      reconnection: false,
      forceNew: true,
    });
    const upgraded = new Promise<string>((resolve) =>
      socket.io.engine.once('upgrade', (transport: { name: string }) => resolve(transport.name)),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    expect(await upgraded).toBe('websocket');
    socket.disconnect();
  });

  test('polling replies carry nosniff', async () => {
    const response = await fetch(`${api.url}/socket.io/?EIO=4&transport=polling`);
    await response.text();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test(`a session may hold ${SOCKETS_PER_SESSION_MAX} sockets; more are refused with rate_limited`, async () => {
    const alice = await registerUser(api);
    const attempts = await Promise.allSettled(
      Array.from({ length: SOCKETS_PER_SESSION_MAX + 10 }, () => api.connect(alice.accessToken)),
    );
    const connected = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    const refused = attempts.flatMap((a) =>
      a.status === 'rejected' ? [(a.reason as Error).message] : [],
    );
    expect(connected).toHaveLength(SOCKETS_PER_SESSION_MAX);
    expect(refused).toEqual(Array.from({ length: 10 }, () => 'rate_limited'));
    // A closed socket frees its place.
    const [first] = connected;
    if (!first) throw new Error('no socket connected');
    const gone = new Promise<void>((resolve) => first.once('disconnect', () => resolve()));
    first.disconnect();
    await gone;
    await expect
      .poll(async () => {
        try {
          (await api.connect(alice.accessToken)).disconnect();
          return 'connected';
        } catch (err) {
          return (err as Error).message;
        }
      })
      .toBe('connected');
    for (const socket of connected) socket.disconnect();
  });
});

describe('behind a trusted proxy', () => {
  let api: TestApi;
  beforeAll(async () => {
    // The proxy is 127.0.0.1; 127.0.0.2 is a client reaching the API directly.
    api = await startTestApi({ config: { trustProxy: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await api.close();
  });

  test('the binding follows X-Forwarded-For from the proxy and ignores it from anyone else', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    const direct = await openDirect(api, alice.accessToken, bob.user.id);
    // The victim's requests all pass the proxy, which names the victim's address.
    const victim = await connectPolling(api.url, alice.accessToken, {
      'x-forwarded-for': '203.0.113.5',
    });
    const sid = engineIdOf(victim);
    // A direct request that claims to come from the victim's address is not believed.
    const spoofed = await rawPoll(api.url, sid, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    expect(spoofed.status).toBe(400);

    const inbox = new EventLog(victim, 'message:new');
    await postMessage(api, bob.accessToken, direct.id, 'through the proxy');
    await inbox.waitFor((m) => m.body === 'through the proxy');
    victim.disconnect();
  });
});
