import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LIMITS, type Conversation, type Message } from '@chat/protocol';
import {
  createGroup,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  uploaded,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';
import { photoJpeg } from '../../test/images';
import { openSqliteStore } from '../store/sqlite';

/**
 * The list put together from kept views (`listText`, what the route answers with on
 * SQLite) against the list built anew from the store (`list`, as before the views were
 * kept): the same bytes after every kind of change, in both forms and in pages.
 */

let api: TestApi;
let ann: RegisteredUser;
let ben: RegisteredUser;
let cat: RegisteredUser;
let dan: RegisteredUser;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
  [ann, ben, cat, dan] = await Promise.all([
    registerUser(api, { displayName: 'Ann "quotes" \\ and \u2028' }),
    registerUser(api, { displayName: 'Bén 🐝' }),
    registerUser(api),
    registerUser(api),
  ]);
});
afterAll(async () => {
  await api.close();
});

const FORMS = ['users', 'ids'] as const;

/** Every viewer's list, both forms, whole over HTTP and in pages of two from the service. */
async function expectSameLists(viewers: RegisteredUser[], on: TestApi = api): Promise<void> {
  const service = on.app.services.conversations;
  for (const viewer of viewers) {
    for (const members of FORMS) {
      let cursor: string | undefined;
      do {
        const query = { limit: 2, members, ...(cursor === undefined ? {} : { cursor }) };
        const built = JSON.stringify(await service.list(viewer.user.id, query));
        expect((await service.listText(viewer.user.id, query))?.text).toBe(built);
        cursor = (JSON.parse(built) as { nextCursor: string | null }).nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
  }
  if (on !== api) return;
  for (const viewer of viewers) {
    for (const members of FORMS) {
      const limit = LIMITS.conversationListLimitMax;
      const response = await fetch(
        `${on.url}/api/conversations?limit=${limit}${members === 'ids' ? '&members=ids' : ''}`,
        { headers: { authorization: `Bearer ${viewer.accessToken}` } },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const built = JSON.stringify(
        await on.app.services.conversations.list(viewer.user.id, { limit, members }),
      );
      expect(await response.text()).toBe(built);
    }
  }
}

const call = (method: string, path: string, token: string, body?: unknown) =>
  api.http.request(method, path, { token, ...(body === undefined ? {} : { body }) });

async function expectOk(
  response: Promise<{ status: number; body: unknown }>,
): Promise<{ status: number; body: unknown }> {
  const answer = await response;
  if (answer.status >= 300) throw new Error(`${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

describe('the conversation list from kept views', () => {
  test('is the list built anew after every kind of change', async () => {
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    await postMessage(api, ann.accessToken, direct.id, 'hello "ben" \\ \u0001 \u2028 🎉');
    const group = await createGroup(api, ann.accessToken, [ben.user.id, cat.user.id], 'Tea');
    await openDirect(api, ann.accessToken, cat.user.id); // listed for Ann alone, no messages
    const everyone = [ann, ben, cat, dan];
    await expectSameLists(everyone);

    const last: Message = await postMessage(api, ben.accessToken, group.id, 'a new message');
    await expectSameLists(everyone);
    const path = `/api/conversations/${group.id}/messages/${last.seq}`;
    await expectOk(call('PATCH', path, ben.accessToken, { body: 'edited' }));
    await expectSameLists(everyone);
    await expectOk(call('PUT', `${path}/reactions/${encodeURIComponent('👍')}`, ann.accessToken));
    await expectSameLists(everyone);
    await expectOk(
      call('DELETE', `${path}/reactions/${encodeURIComponent('👍')}`, ann.accessToken),
    );
    await expectSameLists(everyone);
    await expectOk(call('DELETE', path, ben.accessToken));
    await expectSameLists(everyone);
    await expectOk(
      call('POST', `/api/conversations/${group.id}/read`, cat.accessToken, { seq: last.seq }),
    );
    await expectSameLists(everyone);
    await expectOk(
      call('PUT', `/api/conversations/${group.id}/notifications`, cat.accessToken, {
        level: 'mentions',
      }),
    );
    await expectSameLists(everyone);

    // Membership: added, made admin, removed, left.
    const members = `/api/conversations/${group.id}/members`;
    await expectOk(call('POST', members, ann.accessToken, { userIds: [dan.user.id] }));
    await expectSameLists(everyone);
    await expectOk(call('PATCH', `${members}/${dan.user.id}`, ann.accessToken, { admin: true }));
    await expectSameLists(everyone);
    await expectOk(call('DELETE', `${members}/${cat.user.id}`, ann.accessToken));
    await expectSameLists(everyone);
    await expectOk(call('DELETE', `${members}/${ben.user.id}`, ben.accessToken));
    await expectSameLists(everyone);

    // The group's title and avatar, people's profiles.
    await expectOk(
      call('PATCH', `/api/conversations/${group.id}`, ann.accessToken, { title: 'Coffee' }),
    );
    await expectSameLists(everyone);
    const picture = await uploaded(api, ann.accessToken, await photoJpeg(64, 48), 'g.jpg');
    await expectOk(
      call('PATCH', `/api/conversations/${group.id}`, ann.accessToken, { avatarId: picture.id }),
    );
    await expectSameLists(everyone);
    await expectOk(call('PATCH', '/api/users/me', dan.accessToken, { displayName: 'Daniel' }));
    await expectSameLists(everyone);
    const face = await uploaded(api, ben.accessToken, await photoJpeg(48, 48), 'me.jpg');
    await expectOk(call('PATCH', '/api/users/me', ben.accessToken, { avatarId: face.id }));
    await expectSameLists(everyone);
    await expectOk(call('PUT', `/api/users/${ben.user.id}/block`, ann.accessToken));
    await expectSameLists(everyone);
    await expectOk(call('DELETE', `/api/users/${ben.user.id}/block`, ann.accessToken));

    // A last message with a file (attached after its append), then a deleted account.
    const file = await uploaded(api, ann.accessToken, new TextEncoder().encode('notes'), 'a.txt');
    await expectOk(
      call('POST', `/api/conversations/${direct.id}/messages`, ann.accessToken, {
        clientId: 'with-file',
        body: 'see attached',
        attachmentIds: [file.id],
      }),
    );
    await expectSameLists(everyone);
    await expectOk(call('DELETE', '/api/users/me', cat.accessToken, { password: cat.password }));
    await expectSameLists([ann, ben, dan]);
  });

  test('an instance sharing the database follows what another one changes', async () => {
    const other = await startTestApi({ openStore: () => openSqliteStore(api.databaseFile) });
    try {
      const [eve, fay] = await Promise.all([registerUser(api), registerUser(api)]);
      const group = await createGroup(api, eve.accessToken, [fay.user.id], 'Shared');
      await postMessage(api, eve.accessToken, group.id, 'first');
      await expectSameLists([eve, fay], other);
      const held = await other.app.services.conversations.listText(eve.user.id, {
        limit: 50,
        members: 'ids',
      });

      const next = await postMessage(api, fay.accessToken, group.id, 'second');
      await expectOk(
        call('PATCH', `/api/conversations/${group.id}`, eve.accessToken, { title: 'Renamed' }),
      );
      await expectOk(
        call('POST', `/api/conversations/${group.id}/read`, eve.accessToken, { seq: next.seq }),
      );
      await expectOk(call('PATCH', '/api/users/me', fay.accessToken, { displayName: 'Fay 2' }));
      await expectSameLists([eve, fay], other);

      const now = await other.app.services.conversations.listText(eve.user.id, {
        limit: 50,
        members: 'ids',
      });
      expect(now?.text).not.toBe(held?.text);
      const [listed] = (JSON.parse(now?.text ?? '{}') as { conversations: Conversation[] })
        .conversations;
      expect(listed).toMatchObject({ title: 'Renamed', lastReadSeq: next.seq });

      // Changes of the store alone, with no system message after them (which would move
      // the conversation's rev anyway): each must still reach the other instance's list.
      const changes = api.store.conversations;
      const gus = await registerUser(api);
      await changes.setTitle(group.id, 'Without a message');
      await expectSameLists([eve, fay], other);
      await changes.addMembers(group.id, [gus.user.id], LIMITS.groupMembersMax);
      await expectSameLists([eve, fay, gus], other);
      await changes.setAdmin(group.id, fay.user.id, true);
      await expectSameLists([eve, fay, gus], other);
      await changes.removeMember(group.id, gus.user.id);
      await expectSameLists([eve, fay], other);

      // A file attached to the last message after its append, and receipts moving.
      const { message } = await api.store.messages.append({
        conversationId: group.id,
        senderId: fay.user.id,
        clientId: 'file-after-append',
        body: 'a file follows',
      });
      await expectSameLists([eve, fay], other);
      const file = await uploaded(api, fay.accessToken, new TextEncoder().encode('x'), 'x.txt');
      const attached = await api.store.attachments.attach([file.id], fay.user.id, {
        kind: 'message',
        conversationId: group.id,
        messageId: message.id,
      });
      expect(attached).toBe(true);
      await expectSameLists([eve, fay], other);
      await api.store.receipts.advance(group.id, eve.user.id, 'delivered', message.seq);
      await expectSameLists([eve, fay], other);
      await api.store.receipts.advance(group.id, eve.user.id, 'read', message.seq);
      await expectSameLists([eve, fay], other);

      // A member's profile changed in the store alone: each column the user's view shows.
      const users = api.store.users;
      await users.setDisplayName(fay.user.id, 'Fay by the store');
      await expectSameLists([eve, fay], other);
      const avatar = {
        id: randomUUID(),
        name: 'fay.png',
        contentType: 'image/png',
        size: 10,
        width: 8,
        height: 8,
        thumbnail: false,
      };
      await users.setAvatar(fay.user.id, avatar);
      await expectSameLists([eve, fay], other);
      await users.setAvatar(fay.user.id, { ...avatar, thumbnail: true });
      await expectSameLists([eve, fay], other);
      await users.setLastSeen(fay.user.id, new Date());
      await expectSameLists([eve, fay], other);
      await users.markDeleted(fay.user.id, new Date());
      await expectSameLists([eve], other);
      await users.releaseUsername(fay.user.id);
      await expectSameLists([eve], other);
    } finally {
      await other.close();
    }
  });
});
