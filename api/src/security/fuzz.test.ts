/**
 * Generated malformed input for every REST endpoint and every socket event: wrong types,
 * missing fields, huge strings, operator objects (`{"$gt": ""}`) and prototype-pollution
 * keys. Each body breaks at least one required field, so the only right answers are a
 * 4xx or an error ack; never a 500, an `internal`, a crash, or a changed row.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LIMITS } from '@chat/protocol';
import {
  createGroup,
  emitWithAck,
  registerUser,
  startTestApi,
  type ChatClientSocket,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';
import type { SqliteStore } from '../store/sqlite/index';

/** Keep the whole file well under 40 s on two cores. */
const REST_RUNS = 120;
const SOCKET_RUNS = 250;

let api: TestApi;
let alice: RegisteredUser;
let bob: RegisteredUser;
let conversationId: string;
let socket: ChatClientSocket;
let before: string;

/** Every table's rows, in a stable order: what "nothing changed" is compared against. */
function snapshot(): string {
  const db = (api.store as SqliteStore).database;
  const tables = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all();
  return JSON.stringify(
    // Some tables are WITHOUT ROWID, so rows are ordered by their own text.
    tables.map(({ name }) => [
      name,
      db
        .prepare(`SELECT * FROM "${name}"`)
        .all()
        .map((row) => JSON.stringify(row))
        .sort(),
    ]),
  );
}

beforeAll(async () => {
  // Rate limits off: a 429 would be a 4xx too, but would hide what the handler does.
  api = await startTestApi({ config: { rateLimits: false } });
  expect(api.store.kind).toBe('sqlite');
  alice = await registerUser(api);
  bob = await registerUser(api);
  conversationId = (await createGroup(api, alice.accessToken, [bob.user.id], 'Fuzz')).id;
  socket = await api.connect(alice.accessToken);
  before = snapshot();
});

afterAll(async () => {
  socket.disconnect();
  await api.close();
});

// ---- arbitraries: JSON text, so keys like "__proto__" survive as own keys ------------

const json = (value: unknown) => JSON.stringify(value);

const OPERATOR_OBJECTS = [
  '{"$gt":""}',
  '{"$ne":null}',
  '{"$regex":".*"}',
  '{"$where":"sleep(1000)"}',
  '{"$in":["a","b"]}',
];
const POLLUTION_OBJECTS = [
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"prototype":{"polluted":true}}',
];
const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', '$where', '$gt', 'toString'];

/** A value of the wrong type for any field, as JSON text. */
const wrongType: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(json),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(json),
  fc.boolean().map(json),
  fc.constant('null'),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }).map(json),
  fc
    .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
    .map(json),
  fc.constantFrom(...OPERATOR_OBJECTS, ...POLLUTION_OBJECTS),
);

/** A string longer than `max` (sometimes far over the 64 KiB body limit). */
const tooLong = (max: number): fc.Arbitrary<string> =>
  fc
    .oneof(fc.integer({ min: max + 1, max: max + 2_000 }), fc.constant(LIMITS.payloadBytesMax + 10))
    .map((n) => json('x'.repeat(n)));

const badString = (max: number, extra: readonly string[] = []): fc.Arbitrary<string> =>
  fc.oneof(wrongType, tooLong(max), fc.constantFrom('""', ...extra.map(json)));

const badSeq = fc.oneof(
  wrongType.filter((text) => !/^-?\d+$/.test(text) || Number(text) < 0),
  fc.constantFrom('-1', '1.5', '"1"', '9007199254740993', '1e400'),
);

interface FieldSpec {
  valid: () => string;
  invalid: fc.Arbitrary<string>;
  required: boolean;
}

/**
 * A body with at least one field broken (missing if required, else a bad value), the rest
 * valid, plus optional pollution keys carrying junk.
 */
function brokenBody(fields: Record<string, FieldSpec>): fc.Arbitrary<string> {
  const names = Object.keys(fields);
  return fc
    .record({
      broken: fc.subarray(names, { minLength: 1 }),
      modes: fc.array(fc.boolean(), { minLength: names.length, maxLength: names.length }),
      values: fc.tuple(...names.map((name) => (fields[name] as FieldSpec).invalid)),
      extras: fc.array(
        fc.tuple(
          fc.constantFrom(...POLLUTION_KEYS),
          fc.constantFrom(...POLLUTION_OBJECTS, ...OPERATOR_OBJECTS),
        ),
        { maxLength: 2 },
      ),
    })
    .map(({ broken, modes, values, extras }) => {
      const parts: string[] = [];
      names.forEach((name, i) => {
        const spec = fields[name] as FieldSpec;
        if (!broken.includes(name)) {
          parts.push(`${json(name)}:${spec.valid()}`);
        } else if (!(spec.required && modes[i])) {
          parts.push(`${json(name)}:${values[i] ?? 'null'}`);
        }
        // else: a required field left out.
      });
      for (const [key, value] of extras) parts.push(`${json(key)}:${value}`);
      return `{${parts.join(',')}}`;
    });
}

/** Bodies that are not a JSON object at all. */
const notAnObject = fc.oneof(
  fc.constantFrom('', 'null', '42', '"text"', '[]', '[1,2]', 'true', '{', '{"a":', "{'a':1}"),
  fc.constantFrom('['.repeat(5_000) + ']'.repeat(5_000), `{"a":"${'\\u0000'.repeat(100)}"}`),
  fc.string({ maxLength: 40 }),
);

const field = (valid: () => string, invalid: fc.Arbitrary<string>, required = true): FieldSpec => ({
  valid,
  invalid,
  required,
});

const ID_MAX = 128;

interface PostEndpoint {
  path: () => string;
  token: () => string | undefined;
  body: fc.Arbitrary<string>;
}

const POST_ENDPOINTS: Record<string, PostEndpoint> = {
  'POST /api/auth/register': {
    path: () => '/api/auth/register',
    token: () => undefined,
    body: brokenBody({
      username: field(() => json(`fz_${randomUUID().slice(0, 8)}`), badString(32, ['a', 'A B'])),
      password: field(() => json('a long enough password'), badString(128, ['short'])),
      displayName: field(() => json('Fuzz'), badString(64, ['   ']), false),
    }),
  },
  'POST /api/auth/login': {
    path: () => '/api/auth/login',
    token: () => undefined,
    body: brokenBody({
      username: field(() => json(alice.user.username), badString(32)),
      password: field(() => json(alice.password), badString(128)),
    }),
  },
  'POST /api/auth/refresh': {
    path: () => '/api/auth/refresh',
    token: () => undefined,
    body: brokenBody({ refreshToken: field(() => json(alice.refreshToken), badString(1024)) }),
  },
  'POST /api/conversations (direct)': {
    path: () => '/api/conversations',
    token: () => alice.accessToken,
    body: brokenBody({
      type: field(() => json('direct'), badString(16, ['channel', 'DIRECT', 'group '])),
      userId: field(() => json(bob.user.id), badString(ID_MAX)),
    }),
  },
  'POST /api/conversations (group)': {
    path: () => '/api/conversations',
    token: () => alice.accessToken,
    body: brokenBody({
      type: field(() => json('group'), badString(16, ['channel'])),
      title: field(() => json('A title'), badString(LIMITS.titleMax, ['  '])),
      memberIds: field(
        () => json([bob.user.id]),
        wrongType.filter((t) => !t.startsWith('[')),
      ),
    }),
  },
  'POST /api/conversations/{id}/messages': {
    path: () => `/api/conversations/${conversationId}/messages`,
    token: () => alice.accessToken,
    body: brokenBody({
      clientId: field(() => json(randomUUID()), badString(LIMITS.clientIdMax, ['a b', 'é'])),
      body: field(() => json('hello'), badString(LIMITS.messageBodyMax, [' \n\t '])),
    }),
  },
  'POST /api/conversations/{id}/read': {
    path: () => `/api/conversations/${conversationId}/read`,
    token: () => alice.accessToken,
    body: brokenBody({ seq: field(() => '1', badSeq) }),
  },
};

/**
 * A GET that tolerates one transport-level reset: under thousands of back-to-back requests
 * a pooled keep-alive connection is now and then reset (seen about once per 1,000; the
 * server logs no error and every response it started was finished). The retry must then
 * succeed; a server that really failed the request would fail it again.
 */
let transportRetries = 0;
async function getOnce(path: string, options: Parameters<TestApi['http']['get']>[1]) {
  try {
    return await api.http.get(path, options);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    transportRetries++;
    return api.http.get(path, options);
  }
}

function expectClientError(status: number, what: string) {
  expect(status, what).toBeGreaterThanOrEqual(400);
  expect(status, what).toBeLessThan(500);
}

describe('fuzzed REST input', () => {
  for (const [name, endpoint] of Object.entries(POST_ENDPOINTS)) {
    test(`${name}: broken bodies get a 4xx and change nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ weight: 5, arbitrary: endpoint.body }, notAnObject),
          async (body) => {
            const response = await api.http.request('POST', endpoint.path(), {
              token: endpoint.token(),
              rawBody: body,
            });
            expectClientError(response.status, body.slice(0, 200));
            const { error } = response.body as { error: { code: string; message: string } };
            expect(error.code).not.toBe('internal');
          },
        ),
        { numRuns: REST_RUNS },
      );
      expect(snapshot()).toBe(before);
    });
  }

  test('path ids, query strings and Authorization headers: never a 5xx', async () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 300 });
    const paths = [
      (id: string) => `/api/users/${id}`,
      (id: string) => `/api/conversations/${id}`,
      (id: string) => `/api/conversations/${id}/messages`,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths.keys()),
        anyText,
        fc.dictionary(
          fc.constantFrom('q', 'limit', 'before', 'after', '__proto__', 'constructor'),
          fc.oneof(anyText, fc.constantFrom('-1', '0', '201', '1e3', '9'.repeat(30), '[object]')),
        ),
        fc.oneof(
          fc.constant(`Bearer ${alice.accessToken}`),
          fc.string({ maxLength: 200 }).map((t) => `Bearer ${t}`),
          fc.string({ maxLength: 200 }),
        ),
        async (which, id, query, authorization) => {
          const path = (paths[which] as (id: string) => string)(encodeURIComponent(id) || 'x');
          const response = await getOnce(path, {
            query,
            headers: { authorization: authorization.replace(/[\r\n\0]/g, '') },
          });
          expect(response.status, `${path} ${JSON.stringify(query)}`).toBeLessThan(500);
        },
      ),
      { numRuns: REST_RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 10 }), anyText), async (query) => {
        const users = await getOnce('/api/users', { query, token: alice.accessToken });
        expect(users.status).toBeLessThan(500);
        const history = await getOnce(`/api/conversations/${conversationId}/messages`, {
          query,
          token: alice.accessToken,
        });
        expect(history.status).toBeLessThan(500);
      }),
      { numRuns: REST_RUNS / 2 },
    );
    // Logout takes no body; junk there must neither fail nor end the wrong session.
    const logout = await api.http.request('POST', '/api/auth/logout', {
      rawBody: '{"__proto__":{"polluted":true}}',
      token: 'not-a-token',
    });
    // Refused either way (the body parser may refuse the key before auth runs).
    expectClientError(logout.status, 'logout with junk');
    expect(snapshot()).toBe(before);
    expect(transportRetries).toBeLessThanOrEqual(3);
  });
});

const SOCKET_PAYLOADS: Record<string, fc.Arbitrary<string>> = {
  'message:send': brokenBody({
    conversationId: field(() => json(conversationId), badString(ID_MAX)),
    clientId: field(() => json(randomUUID()), badString(LIMITS.clientIdMax, ['a b'])),
    body: field(() => json('hello'), badString(LIMITS.messageBodyMax, ['   '])),
  }),
  typing: brokenBody({
    conversationId: field(() => json(conversationId), badString(ID_MAX)),
    typing: field(
      () => 'true',
      wrongType.filter((t) => t !== 'true' && t !== 'false'),
    ),
  }),
  receipt: brokenBody({
    conversationId: field(() => json(conversationId), badString(ID_MAX)),
    type: field(() => json('read'), badString(16, ['seen', 'READ'])),
    seq: field(() => '1', badSeq),
  }),
  'auth:renew': brokenBody({ token: field(() => json(alice.accessToken), badString(4096)) }),
  'message:edit': brokenBody({
    conversationId: field(() => json(conversationId), badString(ID_MAX)),
    seq: field(() => '1', badSeq),
    body: field(() => json('edited'), badString(LIMITS.messageBodyMax, ['   '])),
  }),
  'message:delete': brokenBody({
    conversationId: field(() => json(conversationId), badString(ID_MAX)),
    seq: field(() => '1', badSeq),
  }),
  reaction: brokenBody({
    conversationId: field(() => json(conversationId), badString(ID_MAX)),
    seq: field(() => '1', badSeq),
    emoji: field(() => json('👍'), badString(LIMITS.emojiLengthMax, ['a', '👍👍'])),
    on: field(
      () => 'true',
      wrongType.filter((t) => t !== 'true' && t !== 'false'),
    ),
  }),
};

describe('fuzzed socket events', () => {
  for (const [event, payload] of Object.entries(SOCKET_PAYLOADS)) {
    test(`${event}: broken payloads get an error ack and change nothing`, async () => {
      const notObject = fc.oneof(
        fc.constantFrom('null', '42', '"text"', '[]', 'true'),
        fc
          .jsonValue({ maxDepth: 1 })
          .filter((v) => typeof v !== 'object' || v === null)
          .map(json),
      );
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 5, arbitrary: payload }, notObject), async (text) => {
          // Oversized packets close the socket by design (tested in the reliability suite).
          fc.pre(text.length < LIMITS.payloadBytesMax - 1_000);
          const ack = await emitWithAck(socket, event as 'typing', JSON.parse(text) as unknown);
          expect(ack.ok, text.slice(0, 200)).toBe(false);
          if (!ack.ok) {
            expect(['invalid_request', 'payload_too_large', 'unauthorized', 'not_found']).toContain(
              ack.error.code,
            );
          }
        }),
        { numRuns: SOCKET_RUNS },
      );
      expect(socket.connected).toBe(true);
      expect(snapshot()).toBe(before);
    });
  }

  test('odd call shapes (no ack, no payload, extra arguments) never hang or crash the server', async () => {
    const raw = socket as unknown as {
      emit(event: string, ...args: unknown[]): void;
      timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
    };
    for (const event of Object.keys(SOCKET_PAYLOADS)) {
      raw.emit(event);
      raw.emit(event, { conversationId: { $gt: '' } });
      raw.emit(event, 1, 2, 3);
      const ack = (await raw.timeout(2_000).emitWithAck(event)) as { ok: boolean };
      expect(ack.ok).toBe(false);
      const extra = (await raw.timeout(2_000).emitWithAck(event, {}, 'x', 1)) as { ok: boolean };
      expect(extra.ok).toBe(false);
    }
    raw.emit('no-such-event', { a: 1 }, () => undefined);
    // The server is still answering this very socket.
    expect(await emitWithAck(socket, 'auth:renew', { token: alice.accessToken })).toEqual({
      ok: true,
    });
    expect(snapshot()).toBe(before);
  });

  test('nothing leaked onto Object.prototype in the server process', () => {
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
