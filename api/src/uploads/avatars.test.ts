import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Conversation, Person, User, type Attachment } from '@chat/protocol';
import {
  EventLog,
  createGroup,
  errorOf,
  getBytes,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  uploaded,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';
import { photoJpeg } from '../../test/images';
import { useSharedInstances } from '../../test/shared-instances';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
});
afterAll(async () => {
  await api.close();
});

const photo = async (user: RegisteredUser, width = 900, height = 600): Promise<Attachment> =>
  uploaded(api, user.accessToken, await photoJpeg(width, height), 'me.jpg');

const setMyAvatar = (user: RegisteredUser, avatarId: string | null) =>
  api.http.request('PATCH', '/api/users/me', { token: user.accessToken, body: { avatarId } });

/** Whether the stored bytes of an upload (image and thumbnail) are still on disk. */
async function bytesKept(attachmentId: string): Promise<boolean> {
  const record = await api.store.attachments.findById(attachmentId);
  if (!record) return false;
  const root = api.config.uploadDir ?? '';
  return existsSync(join(root, record.storageKey.slice(0, 2).toLowerCase(), record.storageKey));
}

describe('a user avatar', () => {
  test('goes with a deleted account: removed from the person and its bytes erased', async () => {
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const picture = await photo(ann);
    expect((await setMyAvatar(ann, picture.id)).status).toBe(200);
    expect(await bytesKept(picture.id)).toBe(true);

    const deleted = await api.http.request('DELETE', '/api/users/me', {
      token: ann.accessToken,
      body: { password: ann.password },
    });
    expect(deleted.status).toBe(204);
    const person = await api.http.get(`/api/users/${ann.user.id}`, { token: ben.accessToken });
    expect(Person.parse(person.body)).toMatchObject({ deleted: true, avatar: null });
    const served = await getBytes(api, `/api/users/${ann.user.id}/avatar`, ben.accessToken);
    expect(served.status).toBe(404);
    expect(await bytesKept(picture.id)).toBe(false);
  });

  test('is set from an image upload, shown everywhere the user is, and served', async () => {
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    await postMessage(api, ann.accessToken, direct.id, 'hi');
    const benHears = new EventLog(await api.connect(ben.accessToken), 'user:updated');
    const picture = await photo(ann);

    const response = await setMyAvatar(ann, picture.id);
    expect(response.status).toBe(200);
    expect(User.parse(response.body).avatar).toEqual(picture);
    const told = await benHears.waitFor((p) => p.id === ann.user.id && p.avatar !== null);
    expect(Person.parse(told).avatar).toEqual(picture);
    const me = await api.http.get('/api/users/me', { token: ann.accessToken });
    expect(User.parse(me.body).avatar).toEqual(picture);
    const person = await api.http.get(`/api/users/${ann.user.id}`, { token: ben.accessToken });
    expect(Person.parse(person.body).avatar).toEqual(picture);
    const seen = await api.http.get(`/api/conversations/${direct.id}`, { token: ben.accessToken });
    const member = Conversation.parse(seen.body).members.find((m) => m.id === ann.user.id);
    expect(member?.avatar).toEqual(picture);

    // Anyone signed in may fetch it: the 320 px thumbnail by default, the image on request.
    const thumb = await getBytes(api, `/api/users/${ann.user.id}/avatar`, ben.accessToken);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(thumb.headers.get('x-content-type-options')).toBe('nosniff');
    expect(thumb.headers.get('cache-control')).toBe('private');
    const thumbSize = await sharp(thumb.bytes).metadata();
    expect(Math.max(thumbSize.width, thumbSize.height)).toBeLessThanOrEqual(320);
    const full = await getBytes(
      api,
      `/api/users/${ann.user.id}/avatar?size=full&v=${picture.id}`,
      ben.accessToken,
    );
    expect(full.status).toBe(200);
    expect((await sharp(full.bytes).metadata()).width).toBe(picture.width);
    expect((await getBytes(api, `/api/users/${ann.user.id}/avatar`, undefined)).status).toBe(401);
    const badSize = await getBytes(
      api,
      `/api/users/${ann.user.id}/avatar?size=huge`,
      ann.accessToken,
    );
    expect(badSize.status).toBe(400);
  });

  test('a new avatar erases the old one, bytes included; null removes it', async () => {
    const ann = await registerUser(api);
    const first = await photo(ann);
    expect((await setMyAvatar(ann, first.id)).status).toBe(200);
    expect(await bytesKept(first.id)).toBe(true);
    // Setting the same one again changes nothing.
    expect(User.parse((await setMyAvatar(ann, first.id)).body).avatar).toEqual(first);
    expect(await bytesKept(first.id)).toBe(true);

    const second = await photo(ann, 500, 500);
    const secondKey = (await api.store.attachments.findById(second.id))?.storageKey;
    expect(User.parse((await setMyAvatar(ann, second.id)).body).avatar).toEqual(second);
    expect(await api.store.attachments.findById(first.id)).toBeNull();
    const root = api.config.uploadDir ?? '';
    const firstGone = (await getBytes(api, `/api/attachments/${first.id}`, ann.accessToken)).status;
    expect(firstGone).toBe(404);

    const removed = await setMyAvatar(ann, null);
    expect(User.parse(removed.body).avatar).toBeNull();
    expect(await api.store.attachments.findById(second.id)).toBeNull();
    expect(secondKey).toBeDefined();
    expect(existsSync(join(root, (secondKey ?? '').slice(0, 2), secondKey ?? ''))).toBe(false);
    const none = await getBytes(api, `/api/users/${ann.user.id}/avatar`, ann.accessToken);
    expect(none.status).toBe(404);
    expect((await getBytes(api, '/api/users/nobody/avatar', ann.accessToken)).status).toBe(404);
  });

  test('refuses what is not an unused image upload of the caller (400) and keeps the old one', async () => {
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const kept = await photo(ann);
    await setMyAvatar(ann, kept.id);
    const bens = await photo(ben);
    const text = await uploaded(api, ann.accessToken, Buffer.from('not a picture'), 'a.txt');
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    const sentPhoto = await photo(ann);
    const send = await api.http.post(`/api/conversations/${direct.id}/messages`, {
      token: ann.accessToken,
      body: { clientId: 'with-photo', body: '', attachmentIds: [sentPhoto.id] },
    });
    expect(send.status).toBe(201);

    for (const avatarId of [bens.id, text.id, sentPhoto.id, 'no-such-upload', '']) {
      const refused = await setMyAvatar(ann, avatarId);
      expect(refused.status, avatarId).toBe(400);
      expect(errorOf(refused).code).toBe('invalid_request');
    }
    const me = await api.http.get('/api/users/me', { token: ann.accessToken });
    expect(User.parse(me.body).avatar).toEqual(kept);
    expect(await bytesKept(bens.id)).toBe(true);
    // An avatar is not an upload a message may take either.
    const reuse = await api.http.post(`/api/conversations/${direct.id}/messages`, {
      token: ann.accessToken,
      body: { clientId: 'reuse-avatar', body: '', attachmentIds: [kept.id] },
    });
    expect(reuse.status).toBe(400);
  });
});

describe('a group avatar', () => {
  test('an admin sets it; every member is told, no system message; members only may fetch it', async () => {
    const [ann, ben, stranger] = await Promise.all([
      registerUser(api),
      registerUser(api),
      registerUser(api),
    ]);
    const group = await createGroup(api, ann.accessToken, [ben.user.id], 'Climbing');
    const benHears = new EventLog(await api.connect(ben.accessToken), 'conversation:updated');
    const picture = await photo(ann);

    const response = await api.http.request('PATCH', `/api/conversations/${group.id}`, {
      token: ann.accessToken,
      body: { avatarId: picture.id },
    });
    expect(response.status).toBe(200);
    const after = Conversation.parse(response.body);
    expect(after.avatar).toEqual(picture);
    expect(after.lastMessage?.seq).toBe(group.lastMessage?.seq);
    const told = await benHears.waitFor((c) => c.id === group.id);
    expect(told.avatar).toEqual(picture);
    const list = await api.http.get<{ conversations: Conversation[] }>('/api/conversations', {
      token: ben.accessToken,
    });
    expect(list.body.conversations.find((c) => c.id === group.id)?.avatar).toEqual(picture);

    const path = `/api/conversations/${group.id}/avatar`;
    const fetched = await getBytes(api, path, ben.accessToken);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/webp');
    expect((await getBytes(api, path, stranger.accessToken)).status).toBe(404);
    // Only the group's members may read it, also by the attachment's own route.
    expect(
      (await getBytes(api, `/api/attachments/${picture.id}`, stranger.accessToken)).status,
    ).toBe(404);

    // Renaming and changing the avatar at once: one system message (the title), one update.
    const second = await photo(ann, 400, 400);
    const both = await api.http.request('PATCH', `/api/conversations/${group.id}`, {
      token: ann.accessToken,
      body: { title: 'Bouldering', avatarId: second.id },
    });
    expect(Conversation.parse(both.body)).toMatchObject({ title: 'Bouldering', avatar: second });
    expect(await api.store.attachments.findById(picture.id)).toBeNull();

    const removed = await api.http.request('PATCH', `/api/conversations/${group.id}`, {
      token: ann.accessToken,
      body: { avatarId: null },
    });
    expect(Conversation.parse(removed.body).avatar).toBeNull();
    expect((await getBytes(api, path, ben.accessToken)).status).toBe(404);
    expect(await api.store.attachments.findById(second.id)).toBeNull();
  });

  test('a member who is not an admin, and a direct conversation, are refused (403)', async () => {
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const group = await createGroup(api, ann.accessToken, [ben.user.id], 'Team');
    const bens = await photo(ben);
    const notAdmin = await api.http.request('PATCH', `/api/conversations/${group.id}`, {
      token: ben.accessToken,
      body: { avatarId: bens.id },
    });
    expect(notAdmin.status).toBe(403);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    const anns = await photo(ann);
    const onDirect = await api.http.request('PATCH', `/api/conversations/${direct.id}`, {
      token: ann.accessToken,
      body: { avatarId: anns.id },
    });
    expect(onDirect.status).toBe(403);
    // Neither refusal used the uploads up.
    expect((await api.store.attachments.findById(bens.id))?.use).toBeNull();
    expect((await api.store.attachments.findById(anns.id))?.use).toBeNull();
    expect(
      (await getBytes(api, `/api/conversations/${direct.id}/avatar`, ann.accessToken)).status,
    ).toBe(404);
  });
});

describe('avatars across instances', () => {
  const cluster = useSharedInstances('avatars');

  test('user:updated and conversation:updated reach sockets on the other instance', async () => {
    const { one, two } = cluster;
    const [ann, ben] = await Promise.all([registerUser(one), registerUser(one)]);
    const groupId = (await createGroup(one, ann.accessToken, [ben.user.id], 'Across')).id;
    const benSocket = await cluster.connect(two, ben.accessToken);
    const userEvents = new EventLog(benSocket, 'user:updated');
    const groupEvents = new EventLog(benSocket, 'conversation:updated');

    const mine = await uploaded(one, ann.accessToken, await photoJpeg(300, 300), 'a.jpg');
    await one.http.request('PATCH', '/api/users/me', {
      token: ann.accessToken,
      body: { avatarId: mine.id },
    });
    expect((await userEvents.waitFor((p) => p.id === ann.user.id)).avatar).toEqual(mine);

    const groups = await uploaded(one, ann.accessToken, await photoJpeg(300, 200), 'g.jpg');
    await one.http.request('PATCH', `/api/conversations/${groupId}`, {
      token: ann.accessToken,
      body: { avatarId: groups.id },
    });
    expect((await groupEvents.waitFor((c) => c.id === groupId)).avatar).toEqual(groups);
    // The other instance serves what the first one stored.
    const served = await getBytes(two, `/api/conversations/${groupId}/avatar`, ben.accessToken);
    expect(served.status).toBe(200);
  });
});
