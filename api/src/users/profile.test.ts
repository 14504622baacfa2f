import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorBody, User } from '@chat/protocol';
import {
  EventLog,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type TestApi,
} from '../../test/helpers';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
});
afterAll(async () => {
  await api.close();
});

describe('changing the display name', () => {
  test('people sharing a conversation see it change live; strangers hear nothing', async () => {
    const [ann, ben, stranger] = await Promise.all([
      registerUser(api),
      registerUser(api),
      registerUser(api),
    ]);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    await postMessage(api, ann.accessToken, direct.id, 'hi');
    const benHears = new EventLog(await api.connect(ben.accessToken), 'user:updated');
    const strangerHears = new EventLog(await api.connect(stranger.accessToken), 'user:updated');

    const response = await api.http.request('PATCH', '/api/users/me', {
      token: ann.accessToken,
      body: { displayName: '  Ann B. ' },
    });
    expect(response.status).toBe(200);
    expect(User.parse(response.body).displayName).toBe('Ann B.');
    const person = await benHears.waitFor((p) => p.id === ann.user.id);
    expect(person).toMatchObject({ id: ann.user.id, displayName: 'Ann B.' });
    const me = await api.http.get('/api/users/me', { token: ann.accessToken });
    expect(User.parse(me.body).displayName).toBe('Ann B.');
    const found = await api.http.get<{ users: { id: string }[] }>('/api/users', {
      token: ben.accessToken,
      query: { q: 'ann b' },
    });
    expect(found.body.users.map((u) => u.id)).toContain(ann.user.id);
    expect(strangerHears.events).toEqual([]);
  });

  test('a blank or invisible name is refused', async () => {
    const ann = await registerUser(api);
    for (const displayName of ['   ', '\u200b', 'a'.repeat(65)]) {
      const response = await api.http.request('PATCH', '/api/users/me', {
        token: ann.accessToken,
        body: { displayName },
      });
      expect(ErrorBody.parse(response.body).error.code).toBe('invalid_request');
    }
  });
});
