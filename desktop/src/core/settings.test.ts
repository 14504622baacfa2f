import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONNECTED,
  makeClient,
  signUp,
  startRestartableApi,
  uniqueName,
  unwrap,
  type RestartableApi,
  type TestClient,
} from './testing/harness';

const PASSWORD = 'correct horse battery';

describe('account settings through the core, against the real API', () => {
  let api: RestartableApi;
  const clients: TestClient[] = [];
  const client = () => {
    const made = makeClient();
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    api = await startRestartableApi();
  });
  afterAll(async () => {
    for (const c of clients) c.client.close();
    await api.close();
  });

  it('a new display name reaches this window and the same account’s other window', async () => {
    const here = client();
    const name = uniqueName();
    await signUp(here, api.url, name);
    const there = client();
    unwrap(await there.client.signIn({ serverUrl: api.url, username: name, password: PASSWORD }));
    await there.waitFor((e) => e.type === 'connection' && CONNECTED.includes(e.status));

    const user = unwrap(await here.client.updateProfile({ displayName: '  New Name ' }));
    expect(user.displayName).toBe('New Name');
    await here.waitFor(
      (e) =>
        e.type === 'session' &&
        e.reason === 'profile' &&
        e.session?.user.displayName === 'New Name',
    );
    await there.waitFor(
      (e) =>
        e.type === 'session' &&
        e.reason === 'profile' &&
        e.session?.user.displayName === 'New Name',
    );
    const refused = await here.client.updateProfile({ displayName: '   ' });
    expect(refused.ok).toBe(false);
  });

  it('a password change signs the other window out and keeps this one', async () => {
    const here = client();
    const name = uniqueName();
    await signUp(here, api.url, name);
    const there = client();
    unwrap(await there.client.signIn({ serverUrl: api.url, username: name, password: PASSWORD }));
    await there.waitFor((e) => e.type === 'connection' && CONNECTED.includes(e.status));

    const wrong = await here.client.changePassword({
      currentPassword: 'not my password',
      newPassword: 'a whole new password',
    });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(unwrap(await here.client.getSession())).not.toBeNull();

    unwrap(
      await here.client.changePassword({
        currentPassword: PASSWORD,
        newPassword: 'a whole new password',
      }),
    );
    await there.waitFor((e) => e.type === 'session' && e.session === null);
    const sessions = unwrap(await here.client.listSessions());
    expect(sessions.map((s) => s.current)).toEqual([true]);
  });

  it('lists sessions, signs out the others, blocks and unblocks, deletes the account', async () => {
    const here = client();
    const name = uniqueName();
    await signUp(here, api.url, name);
    const there = client();
    unwrap(await there.client.signIn({ serverUrl: api.url, username: name, password: PASSWORD }));
    const other = client();
    const otherId = await signUp(other, api.url);

    expect(unwrap(await here.client.listSessions())).toHaveLength(2);
    unwrap(await here.client.revokeOtherSessions());
    await there.waitFor((e) => e.type === 'session' && e.session === null);
    expect(unwrap(await here.client.listSessions())).toHaveLength(1);

    unwrap(await here.client.setBlocked({ userId: otherId, blocked: true }));
    expect(unwrap(await here.client.listBlocked()).map((p) => p.id)).toEqual([otherId]);
    unwrap(await here.client.setBlocked({ userId: otherId, blocked: false }));
    expect(unwrap(await here.client.listBlocked())).toEqual([]);

    const wrong = await here.client.deleteAccount({ password: 'not my password' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    unwrap(await here.client.deleteAccount({ password: PASSWORD }));
    expect(unwrap(await here.client.getSession())).toBeNull();
    const again = await there.client.signIn({
      serverUrl: api.url,
      username: name,
      password: PASSWORD,
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });
});
