import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HistoryResponse } from '@chat/protocol';
import {
  emitWithAck,
  errorOf,
  openDirect,
  registerUser,
  startTestApi,
  uniqueUsername,
  type TestApi,
} from '../../test/helpers';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

describe('message text is stored exactly as acknowledged', () => {
  test('a body with a lone surrogate is refused over REST and the socket; nothing is stored', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    const direct = await openDirect(api, alice.accessToken, bob.user.id);
    const socket = await api.connect(alice.accessToken);
    for (const body of ['a\ud800b', 'tail\udc00', '\ud800'.repeat(4000)]) {
      const rest = await api.http.post(`/api/conversations/${direct.id}/messages`, {
        token: alice.accessToken,
        body: { clientId: `c${body.length}`, body },
      });
      expect(rest.status).toBe(400);
      expect(errorOf(rest).code).toBe('invalid_request');
      const ack = await emitWithAck(socket, 'message:send', {
        conversationId: direct.id,
        clientId: `s${body.length}`,
        body,
      });
      expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    const history = await api.http.get<HistoryResponse>(
      `/api/conversations/${direct.id}/messages`,
      { token: alice.accessToken },
    );
    expect(history.body.messages).toEqual([]);
  });

  test('well-formed text, astral characters included, comes back from history unchanged', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    const direct = await openDirect(api, alice.accessToken, bob.user.id);
    const socket = await api.connect(alice.accessToken);
    const body = 'a😀b 👩‍💻 \u200bzero width, עברית, 𝔘𝔫𝔦';
    const ack = await emitWithAck(socket, 'message:send', {
      conversationId: direct.id,
      clientId: 'astral',
      body,
    });
    expect(ack).toMatchObject({ ok: true, message: { body } });
    const history = await api.http.get<HistoryResponse>(
      `/api/conversations/${direct.id}/messages`,
      { token: bob.accessToken },
    );
    expect(history.body.messages.map((m) => m.body)).toEqual([body]);
  });
});

describe('names that hide or spoof are refused', () => {
  const register = (displayName: string) =>
    api.http.post('/api/auth/register', {
      body: { username: uniqueUsername('name'), password: 'long enough password', displayName },
    });

  test.each([
    ['zero-width characters only', '\u200b\u200c\u200d\u2060'],
    ['Hangul fillers only', '\u3164\u115f\u1160\uffa0'],
    ['a blank braille pattern', '\u2800\u2800'],
    ['a control character', 'ali\u0007ce'],
    ['a newline', 'alice\nAdmin'],
    ['a right-to-left override', 'alice\u202egnp.exe'],
    ['a bidi isolate', '\u2067admin\u2069'],
    ['a lone surrogate', 'al\ud800ice'],
  ])('a display name of %s', async (_name, displayName) => {
    const response = await register(displayName);
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('invalid_request');
  });

  test.each([
    ['accents', 'Zoë Ångström'],
    ['an emoji sequence with joiners', '👩‍💻 Dev'],
    ['right-to-left script', 'محمد علي'],
    ['a Hangul name', '김민준'],
  ])('a display name with %s is accepted as sent', async (_name, displayName) => {
    const response = await register(displayName);
    expect(response.status).toBe(201);
    expect((response.body as { user: { displayName: string } }).user.displayName).toBe(displayName);
  });

  test('group titles follow the same rules', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    for (const title of ['\u200b\u200b', 'Team\u202e', 'x\ud800']) {
      const response = await api.http.post('/api/conversations', {
        token: alice.accessToken,
        body: { type: 'group', title, memberIds: [bob.user.id] },
      });
      expect(response.status).toBe(400);
    }
  });
});
