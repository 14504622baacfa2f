import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorBody, Person, User, UserSearchResponse } from '@chat/protocol';
import { registerUser, startTestApi, type RegisteredUser, type TestApi } from '../../test/helpers';

let api: TestApi;
let caller: RegisteredUser;
let alice: RegisteredUser;
let albert: RegisteredUser;
let bob: RegisteredUser;

beforeAll(async () => {
  api = await startTestApi();
  // A fresh database per file, so exact search results can be asserted.
  caller = await registerUser(api, { username: 'al_caller', displayName: 'Caller' });
  alice = await registerUser(api, { username: 'alice', displayName: 'Alice Liddell' });
  albert = await registerUser(api, { username: 'bert', displayName: 'Albert' });
  bob = await registerUser(api, { username: 'bob', displayName: 'Robert' });
});
afterAll(async () => {
  await api.close();
});

const search = (query: Record<string, string | number>, token = caller.accessToken) =>
  api.http.get('/api/users', { token, query });
const names = (body: unknown) => UserSearchResponse.parse(body).users.map((u) => u.username);

describe('GET /api/users/me', () => {
  test('returns the caller as a user', async () => {
    const response = await api.http.get('/api/users/me', { token: alice.accessToken });
    expect(response.status).toBe(200);
    expect(User.strict().parse(response.body)).toEqual(alice.user);
  });

  test('needs a token', async () => {
    const response = await api.http.get('/api/users/me');
    expect(response.status).toBe(401);
    expect(ErrorBody.parse(response.body).error.code).toBe('unauthorized');
  });
});

describe('GET /api/users', () => {
  test('finds users by username or display name prefix, case-insensitively, without the caller', async () => {
    expect(names((await search({ q: 'AL' })).body).sort()).toEqual(['alice', 'bert']);
    expect(names((await search({ q: 'rob' })).body)).toEqual(['bob']);
    expect(names((await search({ q: 'liddell' })).body)).toEqual([]);
    expect(names((await search({ q: 'zzz' })).body)).toEqual([]);
  });

  test('without q lists everyone but the caller, as persons', async () => {
    const response = await search({});
    expect(response.status).toBe(200);
    const { users } = UserSearchResponse.parse(response.body);
    expect(users.map((u) => u.username).sort()).toEqual(['alice', 'bert', 'bob']);
    for (const person of users) {
      expect(Person.strict().parse(person)).toMatchObject({ online: false, lastSeenAt: null });
    }
  });

  test('honours limit and refuses one outside 1-50', async () => {
    expect(names((await search({ limit: 1 })).body)).toHaveLength(1);
    expect((await search({ limit: 50 })).status).toBe(200);
    for (const limit of ['0', '51', '-1', 'ten', '1.5', '']) {
      const response = await search({ limit });
      expect(response.status).toBe(400);
      expect(ErrorBody.parse(response.body).error.code).toBe('invalid_request');
    }
  });

  test('refuses a repeated q with 400', async () => {
    const response = await api.http.get('/api/users?q=a&q=b', { token: caller.accessToken });
    expect(response.status).toBe(400);
  });
});

describe('GET /api/users/:id', () => {
  test('returns the person', async () => {
    const response = await api.http.get(`/api/users/${bob.user.id}`, { token: alice.accessToken });
    expect(response.status).toBe(200);
    expect(Person.strict().parse(response.body)).toEqual({
      id: bob.user.id,
      username: 'bob',
      displayName: 'Robert',
      online: false,
      lastSeenAt: null,
      deleted: false,
      avatar: null,
    });
  });

  test('shows lastSeenAt once the user has been seen', async () => {
    const seen = new Date('2026-11-26T10:00:00.000Z');
    await api.store.users.setLastSeen(albert.user.id, seen);
    const response = await api.http.get(`/api/users/${albert.user.id}`, {
      token: alice.accessToken,
    });
    expect(Person.parse(response.body).lastSeenAt).toBe(seen.toISOString());
  });

  test('is 404 for an unknown id of any shape', async () => {
    for (const id of [
      'nope',
      '000000000000000000000000',
      '1',
      'x'.repeat(300),
      '%00',
      "' OR 1=1",
    ]) {
      const response = await api.http.get(`/api/users/${encodeURIComponent(id)}`, {
        token: alice.accessToken,
      });
      expect(response.status).toBe(404);
      expect(ErrorBody.parse(response.body).error.code).toBe('not_found');
    }
  });

  test('needs a token', async () => {
    expect((await api.http.get(`/api/users/${bob.user.id}`)).status).toBe(401);
  });
});
