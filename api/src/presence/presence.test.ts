import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Person, UserSearchResponse } from '@chat/protocol';
import {
  EventLog,
  createGroup,
  openDirect,
  registerUser,
  sleep,
  startTestApi,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

const GRACE_MS = 300;

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ timings: { presenceOfflineGraceMs: GRACE_MS } });
});
afterAll(async () => {
  await api.close();
});

/** A user, a peer sharing a conversation with them, and a stranger sharing none. */
async function trio(): Promise<[RegisteredUser, RegisteredUser, RegisteredUser]> {
  const [user, peer, stranger] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  await openDirect(api, peer.accessToken, user.user.id);
  return [user, peer, stranger];
}

const personOf = async (id: string, token: string) =>
  Person.parse((await api.http.get(`/api/users/${id}`, { token })).body);

describe('presence', () => {
  test('online with the first socket, offline after the last one closes and the grace passes; only peers hear it', async () => {
    const [user, peer, stranger] = await trio();
    const peerLog = new EventLog(await api.connect(peer.accessToken), 'presence');
    const strangerLog = new EventLog(await api.connect(stranger.accessToken), 'presence');

    expect(await personOf(user.user.id, peer.accessToken)).toMatchObject({
      online: false,
      lastSeenAt: null,
    });
    const first = await api.connect(user.accessToken);
    expect(await peerLog.waitFor((e) => e.userId === user.user.id)).toEqual({
      userId: user.user.id,
      online: true,
      lastSeenAt: null,
    });
    expect(await personOf(user.user.id, peer.accessToken)).toMatchObject({
      online: true,
      lastSeenAt: null,
    });
    // A second socket of the same user is no news.
    const second = await api.connect(user.accessToken);
    first.disconnect();
    await sleep(GRACE_MS + 200);
    expect(peerLog.events.filter((e) => e.userId === user.user.id)).toHaveLength(1);

    const closedAt = Date.now();
    second.disconnect();
    const offline = await peerLog.waitFor((e) => e.userId === user.user.id && !e.online);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 20);
    expect(offline.lastSeenAt).not.toBeNull();
    const lastSeen = Date.parse(offline.lastSeenAt ?? '');
    expect(Math.abs(lastSeen - closedAt)).toBeLessThan(1_000);
    // Stored before it was announced: the REST view agrees at once.
    expect(await personOf(user.user.id, peer.accessToken)).toEqual({
      id: user.user.id,
      username: user.user.username,
      displayName: user.user.displayName,
      online: false,
      lastSeenAt: offline.lastSeenAt,
      deleted: false,
      avatar: null,
    });
    const search = UserSearchResponse.parse(
      (
        await api.http.get('/api/users', {
          token: peer.accessToken,
          query: { q: user.user.username },
        })
      ).body,
    );
    expect(search.users[0]).toMatchObject({ online: false, lastSeenAt: offline.lastSeenAt });

    await sleep(100);
    expect(strangerLog.events).toEqual([]);
    expect(peerLog.events.map((e) => e.online)).toEqual([true, false]);
  });

  test('a reconnect within the grace announces nothing', async () => {
    const [user, peer] = await trio();
    const peerLog = new EventLog(await api.connect(peer.accessToken), 'presence');
    const socket = await api.connect(user.accessToken);
    await peerLog.waitFor((e) => e.userId === user.user.id && e.online);
    socket.disconnect();
    await sleep(GRACE_MS / 3);
    // Still shown online during the grace.
    expect((await personOf(user.user.id, peer.accessToken)).online).toBe(true);
    const again = await api.connect(user.accessToken);
    await sleep(GRACE_MS + 200);
    expect(peerLog.events.filter((e) => e.userId === user.user.id)).toEqual([
      { userId: user.user.id, online: true, lastSeenAt: null },
    ]);
    expect((await personOf(user.user.id, peer.accessToken)).online).toBe(true);
    again.disconnect();
  });

  test('reaches every peer of a group, on every socket, and nobody else', async () => {
    const [user, a, b, stranger] = await Promise.all([
      registerUser(api),
      registerUser(api),
      registerUser(api),
      registerUser(api),
    ]);
    await createGroup(api, a.accessToken, [user.user.id, b.user.id], 'Peers');
    const logs = await Promise.all(
      [a, a, b].map(async (p) => new EventLog(await api.connect(p.accessToken), 'presence')),
    );
    const strangerLog = new EventLog(await api.connect(stranger.accessToken), 'presence');
    const socket = await api.connect(user.accessToken);
    for (const log of logs) {
      expect(await log.waitFor((e) => e.userId === user.user.id)).toMatchObject({ online: true });
    }
    socket.disconnect();
    for (const log of logs) {
      expect(await log.waitFor((e) => e.userId === user.user.id && !e.online)).toMatchObject({
        online: false,
      });
    }
    expect(strangerLog.events).toEqual([]);
  });

  test('the grace never exceeds the contract 5 s', async () => {
    const longer = await startTestApi({ timings: { presenceOfflineGraceMs: 60_000 } });
    try {
      const [user, peer] = await Promise.all([registerUser(longer), registerUser(longer)]);
      await openDirect(longer, peer.accessToken, user.user.id);
      const peerLog = new EventLog(await longer.connect(peer.accessToken), 'presence');
      const socket = await longer.connect(user.accessToken);
      await peerLog.waitFor((e) => e.online);
      socket.disconnect();
      await peerLog.waitFor((e) => !e.online, 6_000);
    } finally {
      await longer.close();
    }
  });
});
