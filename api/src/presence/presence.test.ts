import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Person, UserSearchResponse } from '@chat/protocol';
import { waitFor } from '../../test/api-process';
import {
  EventLog,
  createGroup,
  openDirect,
  registerUser,
  startTestApi,
  type ChatClientSocket,
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

/**
 * Disconnects `socket` and resolves once the server has seen it go (its disconnect
 * handlers, presence's included, have run).
 */
async function disconnected(socket: ChatClientSocket): Promise<void> {
  const { id } = socket;
  if (id === undefined) throw new Error('the socket is not connected');
  socket.disconnect();
  await waitFor(() => (api.app.io.of('/').sockets.has(id) ? undefined : true), {
    timeoutMs: 5_000,
    what: () => `the server to see socket ${id} close`,
  });
}

/**
 * Someone connected who shares a conversation with each of `peers`. Their presence
 * events are the markers that prove what did not happen: their offline, announced a
 * grace after a disconnect started later than any grace of the user under test, reaches
 * a peer after the user's offline would have (one socket keeps its events in order).
 */
async function marker(...peers: RegisteredUser[]) {
  const person = await registerUser(api);
  for (const peer of peers) await openDirect(api, peer.accessToken, person.user.id);
  return { person, socket: await api.connect(person.accessToken) };
}

const personOf = async (id: string, token: string) =>
  Person.parse((await api.http.get(`/api/users/${id}`, { token })).body);

describe('presence', () => {
  test('online with the first socket, offline after the last one closes and the grace passes; only peers hear it', async () => {
    const [user, peer, stranger] = await trio();
    const peerLog = new EventLog(await api.connect(peer.accessToken), 'presence');
    const strangerLog = new EventLog(await api.connect(stranger.accessToken), 'presence');
    const witness = await marker(peer, stranger);
    const about = (userId: string) => (e: { userId: string }) => e.userId === userId;

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
    await disconnected(first);
    await disconnected(witness.socket);
    await peerLog.waitFor((e) => e.userId === witness.person.user.id && !e.online);
    expect(peerLog.events.filter(about(user.user.id))).toHaveLength(1);

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

    // Told to everyone at once: the stranger's marker, sent afterwards, comes after it.
    await api.connect(witness.person.accessToken);
    await strangerLog.waitFor((e) => e.userId === witness.person.user.id && e.online);
    expect(strangerLog.events.filter(about(user.user.id))).toEqual([]);
    expect(peerLog.events.filter(about(user.user.id)).map((e) => e.online)).toEqual([true, false]);
  });

  test('a reconnect within the grace announces nothing', async () => {
    const [user, peer] = await trio();
    const peerLog = new EventLog(await api.connect(peer.accessToken), 'presence');
    const witness = await marker(peer);
    const socket = await api.connect(user.accessToken);
    await peerLog.waitFor((e) => e.userId === user.user.id && e.online);
    await disconnected(socket);
    // Still shown online during the grace.
    expect((await personOf(user.user.id, peer.accessToken)).online).toBe(true);
    const again = await api.connect(user.accessToken);
    // The user's grace started before the marker's: it would have ended first.
    await disconnected(witness.socket);
    await peerLog.waitFor((e) => e.userId === witness.person.user.id && !e.online);
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
    const witness = await marker(stranger);
    const socket = await api.connect(user.accessToken);
    for (const log of logs) {
      expect(await log.waitFor((e) => e.userId === user.user.id)).toMatchObject({ online: true });
    }
    await disconnected(socket);
    for (const log of logs) {
      expect(await log.waitFor((e) => e.userId === user.user.id && !e.online)).toMatchObject({
        online: false,
      });
    }
    // Its grace started after the user's: its offline reaches the stranger after any of
    // the user's would have.
    await disconnected(witness.socket);
    await strangerLog.waitFor((e) => e.userId === witness.person.user.id && !e.online);
    expect(strangerLog.events.filter((e) => e.userId === user.user.id)).toEqual([]);
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
