import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LIMITS } from '@chat/protocol';
import {
  errorOf,
  registerUser,
  startTestApi,
  uniqueUsername,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

/**
 * Client addresses, as the trusted proxy (loopback here) names them in X-Forwarded-For.
 * The API keys the login throttle, the registration limit and the hashing line by them.
 */
const ATTACKER = '198.51.100.7';
const VICTIM = '203.0.113.5';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({
    config: {
      trustProxy: ['loopback'],
      // One hashing thread and the production hash cost, so a flood really queues.
      passwordHashConcurrency: 1,
      argon2: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
      registrationsPerAddressPerHour: LIMITS.registrationsPerAddressPerHour,
    },
  });
});
afterAll(async () => {
  await api.close();
});

/** The flood was 500; 200 keeps this test to a few seconds on a loaded machine. */
const FLOOD = 200;

const from = (address: string) => ({ 'x-forwarded-for': address });

function loginFrom(address: string, username: string, password: string) {
  return api.http.post('/api/auth/login', {
    body: { username, password },
    headers: from(address),
  });
}

/**
 * The victim's own kept-alive connection, opened by the baseline login, as a browser that
 * loaded the page has one. A connection opened in the middle of the flood's burst of new
 * connections was measured waiting 2-3 s before the API even saw its request: that is the
 * test's one machine, not the hashing line under test.
 */
const victimAgent = new Agent({ keepAlive: true, maxSockets: 1 });
afterAll(() => victimAgent.destroy());

/** A login on the victim's own connection. */
function soloLogin(address: string, username: string, password: string): Promise<number> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.url}/api/auth/login`,
      {
        method: 'POST',
        agent: victimAgent,
        headers: { 'content-type': 'application/json', ...from(address) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

async function registerFrom(address: string): Promise<RegisteredUser> {
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const response = await api.http.post<RegisteredUser>('/api/auth/register', {
    body: { username: uniqueUsername('reg'), password },
    headers: from(address),
  });
  if (response.status !== 201) throw new Error(`register failed: ${response.status}`);
  return { ...response.body, password };
}

describe('a login flood from one address', () => {
  test('neither delays nor locks out a user signing in from another address', async () => {
    const victim = await registerFrom(VICTIM);
    const name = victim.user.username;
    // Baseline: the victim's login with nobody else hashing.
    await loginFrom(VICTIM, name, victim.password);
    const baseline = await timed(() => soloLogin(VICTIM, name, victim.password));
    expect(baseline.value).toBe(200);

    // Parallel logins for random names, all from one address, still in flight while the
    // victim signs in (before the fix: all 200 hashes queued ahead of the victim).
    const flood = Array.from({ length: FLOOD }, () =>
      loginFrom(ATTACKER, uniqueUsername('ghost'), 'not the password'),
    );
    // A request that needs no hash measures what the flood costs the event loop alone (in
    // this test the clients share the server's process); the login may add its own hash
    // and the one hash of the flood's that is running, not the flood's line.
    const [health, during] = await Promise.all([
      timed(() => api.http.get('/api/health')),
      timed(() => soloLogin(VICTIM, name, victim.password)),
    ]);
    // Two typos during the flood, then the right password: still signed in.
    for (const typo of ['typo-one-pw', 'typo-two-pw']) {
      const response = await loginFrom(VICTIM, name, typo);
      expect(response.status).toBe(401);
    }
    const afterTypos = await loginFrom(VICTIM, name, victim.password);
    const floodStatuses = (await Promise.all(flood)).map((r) => r.status);

    expect(during.value).toBe(200);
    expect(afterTypos.status).toBe(200);
    // Only refusals for the flooder: wrong password, or "busy" once its own line is full.
    expect(new Set(floodStatuses)).toEqual(new Set([401, 429]));
    // Before the fix: 429 busy, or a wait behind 256 hashes (bench: 7-13 s).
    // The flood could not fill the hashing line: most of it was refused unchecked.
    const hashed = floodStatuses.filter((status) => status === 401).length;
    expect(hashed).toBeLessThan(100);
    // The victim waits for the event loop to reach the request (as /api/health does), then
    // for at most a couple of hashes, not the flood's line.
    expect(during.ms).toBeLessThan(health.ms + 10 * baseline.ms + 500);
    console.info(
      `login during a ${FLOOD}-login flood: ${during.ms.toFixed(0)} ms (alone ${baseline.ms.toFixed(0)} ms; /api/health during the flood ${health.ms.toFixed(0)} ms; ${hashed} of the flood's logins hashed)`,
    );
  });

  test('busy refusals are not counted as failed attempts', async () => {
    const victim = await registerFrom(VICTIM);
    const name = victim.user.username;
    // More parallel wrong guesses than the address may have waiting: some are checked
    // (401), the rest are refused unchecked (429 busy) and must not count.
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) => loginFrom(VICTIM, name, `wrong-guess-${i}`)),
    );
    const statuses = burst.map((r) => r.status);
    const checked = statuses.filter((s) => s === 401).length;
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(checked).toBeLessThan(LIMITS.loginFailuresMax);
    // The failures that were checked, and no more, count towards the lock.
    for (let i = checked; i < LIMITS.loginFailuresMax - 1; i++) {
      expect((await loginFrom(VICTIM, name, `wrong-again-${i}`)).status).toBe(401);
    }
    expect((await loginFrom(VICTIM, name, victim.password)).status).toBe(200);
  });

  test('failures from one address lock that address out, not the account', async () => {
    const victim = await registerFrom(VICTIM);
    const name = victim.user.username;
    for (let i = 0; i < LIMITS.loginFailuresMax; i++) {
      expect((await loginFrom(ATTACKER, name, `guess-${i}-pw`)).status).toBe(401);
    }
    const locked = await loginFrom(ATTACKER, name, victim.password);
    expect(locked.status).toBe(429);
    expect(errorOf(locked).code).toBe('rate_limited');
    expect((await loginFrom(VICTIM, name, victim.password)).status).toBe(200);
  });
});

describe('registrations', () => {
  test(`at most ${LIMITS.registrationsPerAddressPerHour} an hour from one address`, async () => {
    const address = '192.0.2.44';
    for (let i = 0; i < LIMITS.registrationsPerAddressPerHour; i++) await registerFrom(address);
    const refused = await api.http.post('/api/auth/register', {
      body: { username: uniqueUsername('reg'), password: 'long enough password' },
      headers: from(address),
    });
    expect(refused.status).toBe(429);
    expect(errorOf(refused).code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not affected.
    await registerFrom('192.0.2.45');
  });

  test('an X-Forwarded-For from a peer that is not a trusted proxy is ignored', async () => {
    const direct = await startTestApi({
      config: { registrationsPerAddressPerHour: 2, trustProxy: [] },
    });
    try {
      // Each claims another address; all come from 127.0.0.1, which is what counts.
      const statuses = [];
      for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
        const response = await direct.http.post('/api/auth/register', {
          body: { username: uniqueUsername('reg'), password: 'long enough password' },
          headers: from(address),
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([201, 201, 429]);
      // Without the header, the same address: still refused.
      await expect(registerUser(direct)).rejects.toThrow(/register failed: 429/);
    } finally {
      await direct.close();
    }
  });
});

test('token responses say Cache-Control: no-store', async () => {
  const registered = await registerFrom('192.0.2.99');
  const responses = [
    await loginFrom('192.0.2.99', registered.user.username, registered.password),
    await api.http.post('/api/auth/refresh', { body: { refreshToken: registered.refreshToken } }),
    await loginFrom('192.0.2.99', registered.user.username, 'wrong password'),
  ];
  for (const response of responses) expect(response.headers.get('cache-control')).toBe('no-store');
});
