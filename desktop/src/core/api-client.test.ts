import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Message } from '@chat/protocol';
import { ApiClient, HttpTransport, type TokenSource } from './api-client';
import { ClientError } from './errors';

/** A loopback server that records each request and answers what the test scripted. */
interface Answer {
  status: number;
  body?: string;
}
interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

let server: Server;
let serverUrl: string;
let answer: Answer;
/** Answers for the next requests, in order, before `answer`. */
const queued: Answer[] = [];
const seen: Seen[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      const reply = queued.shift() ?? answer;
      res.statusCode = reply.status;
      if (reply.body !== undefined) res.setHeader('content-type', 'application/json');
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
  queued.length = 0;
});

const tokens: TokenSource = {
  serverUrl: () => serverUrl,
  accessToken: () => Promise.resolve('access-1'),
  refreshAfterRejection: () => Promise.reject(new Error('no refresh in these tests')),
  tokenEpoch: () => 0,
};
const api = new ApiClient(
  new HttpTransport((input, init) => fetch(input, init as RequestInit)),
  tokens,
);

const user = {
  id: 'u1',
  username: 'ann',
  displayName: 'Ann',
  createdAt: '2026-11-26T10:00:00.000Z',
};
const message = {
  id: 'm1',
  conversationId: 'a/b',
  seq: 3,
  senderId: 'u1',
  clientId: 'c1',
  body: 'hi',
  createdAt: '2026-11-26T10:00:00.000Z',
};

async function failure(call: Promise<unknown>): Promise<ClientError> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ClientError)) throw new Error(`expected a ClientError, got ${String(err)}`);
  return err;
}

describe('calls through the route table', () => {
  test('method, path, query and body come from the route; path parameters are encoded', async () => {
    answer = { status: 201, body: JSON.stringify(message) };
    expect(await api.sendMessage('a/b', 'c1', 'hi')).toEqual(Message.parse(message));
    answer = { status: 200, body: JSON.stringify({ users: [] }) };
    expect(await api.searchUsers('an', 5)).toEqual([]);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/api/conversations/a%2Fb/messages',
        authorization: 'Bearer access-1',
        body: JSON.stringify({ clientId: 'c1', body: 'hi' }),
      },
      {
        method: 'GET',
        url: '/api/users?q=an&limit=5',
        authorization: 'Bearer access-1',
        body: '',
      },
    ]);
  });

  test('a 204 route resolves with nothing', async () => {
    answer = { status: 204 };
    await expect(api.markRead('c1', 4)).resolves.toBeUndefined();
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/conversations/c1/read' });
  });
});

describe('the conversation list', () => {
  const conversation = (id: string) => ({
    id,
    type: 'direct',
    title: null,
    members: [user],
    createdAt: user.createdAt,
    lastMessage: null,
    lastReadSeq: 0,
    unreadCount: 0,
    receipts: [],
  });
  const page = (ids: string[], nextCursor: string | null): Answer => ({
    status: 200,
    body: JSON.stringify({ conversations: ids.map(conversation), nextCursor }),
  });

  test('follows nextCursor to the last page, asking for the largest pages with members as ids', async () => {
    queued.push(page(['c1', 'c2'], 'k2'), page(['c3'], 'k3'), page(['c4'], null));
    const listed = await api.listConversations();
    expect(listed.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(seen.map((r) => r.url)).toEqual([
      '/api/conversations?limit=200&members=ids',
      '/api/conversations?limit=200&cursor=k2&members=ids',
      '/api/conversations?limit=200&cursor=k3&members=ids',
    ]);
  });

  test('members given as ids come back as their users, in order, as a server without the extension gives them', async () => {
    const other = { ...user, id: 'u2', username: 'ben', displayName: 'Ben' };
    const third = { ...user, id: 'u3', username: 'cat', displayName: 'Cat', deleted: true };
    const byIds = {
      conversations: [
        { ...conversation('c1'), members: [user.id, other.id] },
        {
          ...conversation('c2'),
          type: 'group',
          title: 'G',
          members: [third.id, user.id, other.id],
        },
      ],
      users: [other, user, third],
      nextCursor: null,
    };
    queued.push({ status: 200, body: JSON.stringify(byIds) });
    const compact = await api.listConversations();
    queued.push({
      status: 200,
      body: JSON.stringify({
        conversations: [
          { ...conversation('c1'), members: [user, other] },
          { ...conversation('c2'), type: 'group', title: 'G', members: [third, user, other] },
        ],
        nextCursor: null,
      }),
    });
    const full = await api.listConversations();
    expect(compact.map((c) => c.members.map((m) => m.id))).toEqual([
      ['u1', 'u2'],
      ['u3', 'u1', 'u2'],
    ]);
    expect(compact).toEqual(full);
  });

  test('a member id without a user in the page is a bad_response error', async () => {
    answer = {
      status: 200,
      body: JSON.stringify({
        conversations: [{ ...conversation('c1'), members: [user.id, 'missing'] }],
        users: [user],
        nextCursor: null,
      }),
    };
    expect((await failure(api.listConversations())).code).toBe('bad_response');
  });

  test('a conversation repeated on a later page (it moved meanwhile) is listed once', async () => {
    queued.push(page(['c1', 'c2'], 'k2'), page(['c2', 'c3'], null));
    expect((await api.listConversations()).map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
  });
});

describe('answers are validated with the route table schemas', () => {
  test('a well-formed answer is returned as parsed', async () => {
    answer = { status: 200, body: JSON.stringify({ ...user, extra: 'ignored' }) };
    expect(await api.me()).toEqual(user);
  });

  test('an answer missing a field is a bad_response error, not a value', async () => {
    const { createdAt: _gone, ...partial } = user;
    answer = { status: 200, body: JSON.stringify(partial) };
    const err = await failure(api.me());
    expect(err.code).toBe('bad_response');
    expect(err.status).toBe(200);
    expect(err.message).toBe('The server answered in an unexpected format.');
  });

  test('an answer that is not JSON is a bad_response error', async () => {
    answer = { status: 200, body: '<html>proxy login</html>' };
    expect((await failure(api.listConversations())).code).toBe('bad_response');
  });

  test('a success status the route never answers is a bad_response error', async () => {
    answer = { status: 200, body: JSON.stringify({ ok: true }) };
    const onRead = await failure(api.markRead('c1', 4));
    expect(onRead.code).toBe('bad_response');
    expect(onRead.message).toBe('The server answered 200, which this request never gets.');
    answer = { status: 202, body: JSON.stringify(user) };
    expect((await failure(api.me())).code).toBe('bad_response');
  });

  test("an error status carries the contract's error body", async () => {
    answer = {
      status: 404,
      body: JSON.stringify({ error: { code: 'not_found', message: 'No such user.' } }),
    };
    const err = await failure(api.getUser('nobody'));
    expect(err.info).toEqual({ code: 'not_found', message: 'No such user.' });
    expect(err.status).toBe(404);
  });

  test('an error status without the contract body still gets the code its status stands for', async () => {
    answer = { status: 409, body: '<html>conflict</html>' };
    const err = await failure(api.createConversation({ type: 'direct', userId: 'u2' }));
    expect(err.info).toEqual({ code: 'conflict', message: 'The server answered 409.' });
  });
});
