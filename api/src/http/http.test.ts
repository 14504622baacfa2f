import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorBody, LIMITS } from '@chat/protocol';
import { registerUser, startTestApi, uniqueUsername, type TestApi } from '../../test/helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

function errorCode(response: { body: unknown }) {
  return ErrorBody.parse(response.body).error.code;
}

describe('health', () => {
  test('GET /api/health answers 200 {"status":"ok"}', async () => {
    const response = await api.http.get('/api/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });
});

describe('request bodies', () => {
  test('malformed JSON is 400 invalid_request', async () => {
    for (const rawBody of ['{"username": "ann",', 'not json', '"a string"', '42', 'null']) {
      const response = await api.http.post('/api/auth/register', { rawBody });
      expect(response.status).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
    }
  });

  test('a body over 64 KiB is 413 payload_too_large, and nothing is stored', async () => {
    const username = uniqueUsername('big');
    const rawBody = JSON.stringify({
      username,
      password: 'password1',
      padding: 'x'.repeat(LIMITS.payloadBytesMax),
    });
    const response = await api.http.post('/api/auth/register', { rawBody });
    expect(response.status).toBe(413);
    expect(errorCode(response)).toBe('payload_too_large');
    expect(await api.store.users.findByUsername(username)).toBeNull();
  });

  test('a body just under 64 KiB is read', async () => {
    const body = { username: uniqueUsername('near'), password: 'password1', padding: '' };
    const overhead = JSON.stringify(body).length;
    body.padding = 'x'.repeat(LIMITS.payloadBytesMax - overhead - 16);
    const response = await api.http.post('/api/auth/register', { body });
    expect(response.status).toBe(201);
  });

  test('a body that is not JSON is refused with 400, not guessed at', async () => {
    const response = await api.http.post('/api/auth/register', {
      rawBody: `username=${uniqueUsername('form')}&password=password1`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
  });

  test('__proto__ keys are refused rather than merged', async () => {
    const response = await api.http.post('/api/auth/register', {
      rawBody: `{"username":"${uniqueUsername('proto')}","password":"password1","__proto__":{"admin":true}}`,
    });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
  });
});

describe('errors', () => {
  test('an unknown route is 404 not_found in the contract shape', async () => {
    for (const path of ['/api/nope', '/api/auth/register/extra', '/api', '/api/users/me/extra']) {
      const response = await api.http.get(path);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
    }
    const wrongMethod = await api.http.request('DELETE', '/api/auth/login');
    expect(wrongMethod.status).toBe(404);
    expect(errorCode(wrongMethod)).toBe('not_found');
  });

  test('error bodies are identical across requests; the request id is a header', async () => {
    const a = await api.http.get('/api/users/me');
    const b = await api.http.get('/api/users/me');
    expect(a.body).toEqual(b.body);
    expect(JSON.stringify(a.body)).not.toContain(a.headers.get('x-request-id'));
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  test('security headers are set', async () => {
    const response = await api.http.get('/api/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  test('a failure inside a handler is 500 internal with nothing internal in the body', async () => {
    const { accessToken } = await registerUser(api);
    const original = api.store.users.findById.bind(api.store.users);
    api.store.users.findById = () => Promise.reject(new Error('SQLITE_CORRUPT at /secret/path'));
    try {
      const response = await api.http.get('/api/users/me', { token: accessToken });
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        error: { code: 'internal', message: 'Something went wrong on our side.' },
      });
    } finally {
      api.store.users.findById = original;
    }
  });
});
