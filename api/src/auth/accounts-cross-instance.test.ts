import { describe, expect, test } from 'vitest';
import {
  EventLog,
  createGroup,
  disconnection,
  emitWithAck,
  login,
  openDirect,
  postMessage,
  registerUser,
} from '../../test/helpers';
import { waitFor } from '../../test/api-process';
import { useSharedInstances } from '../../test/shared-instances';

const { one, two, connect } = useSharedInstances('accounts');

describe('accounts across instances', () => {
  test('the blocked hear no presence or typing of the blocker, wherever their sockets are', async () => {
    const [ann, ben, cat] = await Promise.all([
      registerUser(one),
      registerUser(one),
      registerUser(one),
    ]);
    const group = await createGroup(one, ann.accessToken, [ben.user.id, cat.user.id]);
    const direct = await openDirect(one, ann.accessToken, ben.user.id);
    await postMessage(one, ann.accessToken, direct.id, 'hello ben');
    const blocked = await two.http.request('PUT', `/api/users/${ben.user.id}/block`, {
      token: ann.accessToken,
    });
    expect(blocked.status).toBe(204);

    const benSocket = await connect(two, ben.accessToken);
    const benPresence = new EventLog(benSocket, 'presence');
    const benTyping = new EventLog(benSocket, 'typing');
    const benMessages = new EventLog(benSocket, 'message:new');
    const catSocket = await connect(two, cat.accessToken);
    const catPresence = new EventLog(catSocket, 'presence');
    const catTyping = new EventLog(catSocket, 'typing');

    // Ann comes online on instance one: cat (on two) hears it.
    const annSocket = await connect(one, ann.accessToken);
    await catPresence.waitFor((p) => p.userId === ann.user.id && p.online);
    // Ann types in the group and in the direct conversation: cat hears the group one.
    for (const conversationId of [group.id, direct.id]) {
      const ack = await emitWithAck(annSocket, 'typing', { conversationId, typing: true });
      expect(ack.ok).toBe(true);
    }
    await catTyping.waitFor((t) => t.userId === ann.user.id && t.typing);
    // A barrier: sent through instance one after all of the above, so it reaches ben
    // after anything instance one had already sent him.
    const barrier = await postMessage(one, cat.accessToken, group.id, 'barrier');
    await benMessages.waitFor((m) => m.id === barrier.id);
    expect(benPresence.events.filter((p) => p.userId === ann.user.id)).toEqual([]);
    expect(benTyping.events.filter((t) => t.userId === ann.user.id)).toEqual([]);

    // Unblocked: ben hears her typing again (the control that the test can fail).
    await one.http.request('DELETE', `/api/users/${ben.user.id}/block`, {
      token: ann.accessToken,
    });
    await emitWithAck(annSocket, 'typing', { conversationId: direct.id, typing: false });
    await emitWithAck(annSocket, 'typing', { conversationId: direct.id, typing: true });
    await benTyping.waitFor((t) => t.userId === ann.user.id && t.typing);
  });

  test('a block made on one instance refuses the next message on the other at once', async () => {
    const [ann, ben] = await Promise.all([registerUser(one), registerUser(one)]);
    const direct = await openDirect(one, ben.accessToken, ann.user.id);
    const send = (clientId: string) =>
      one.http.post(`/api/conversations/${direct.id}/messages`, {
        token: ben.accessToken,
        body: { clientId, body: 'hello ann' },
      });
    // Instance one now remembers that ann blocks nobody.
    expect((await send('before')).status).toBe(201);
    const blocked = await two.http.request('PUT', `/api/users/${ben.user.id}/block`, {
      token: ann.accessToken,
    });
    expect(blocked.status).toBe(204);
    expect((await send('blocked')).status).toBe(403);
    await two.http.request('DELETE', `/api/users/${ben.user.id}/block`, {
      token: ann.accessToken,
    });
    expect((await send('after')).status).toBe(201);
  });

  test('a password change on one instance cuts the other sessions on the other at once', async () => {
    const ann = await registerUser(one);
    const other = await login(two, ann.user.username, ann.password);
    const otherSocket = await connect(two, other.accessToken);
    // Instance two has the session cached as live.
    expect((await two.http.get('/api/users/me', { token: other.accessToken })).status).toBe(200);
    const cut = disconnection(otherSocket, 1_000);
    const changed = await one.http.post('/api/auth/password', {
      token: ann.accessToken,
      body: { currentPassword: ann.password, newPassword: 'changed-password' },
    });
    expect(changed.status).toBe(204);
    expect(await cut).toBe('io server disconnect');
    expect((await two.http.get('/api/users/me', { token: other.accessToken })).status).toBe(401);
    expect((await two.http.get('/api/users/me', { token: ann.accessToken })).status).toBe(200);
  });

  test("a deleted account's access token stops working on every instance within a second", async () => {
    const ann = await registerUser(one);
    expect((await two.http.get('/api/users/me', { token: ann.accessToken })).status).toBe(200);
    const deleted = await one.http.request('DELETE', '/api/users/me', {
      token: ann.accessToken,
      body: { password: ann.password },
    });
    expect(deleted.status).toBe(204);
    const started = Date.now();
    await waitFor(
      async () => {
        const response = await two.http.get('/api/users/me', { token: ann.accessToken });
        return response.status === 401 ? true : undefined;
      },
      { timeoutMs: 1_000, what: () => 'the deleted account refused on the other instance' },
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
