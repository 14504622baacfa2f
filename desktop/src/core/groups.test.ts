/**
 * Group management through the client core, against the real API: each change is taken in
 * by the one who made it and reaches every other member live, a new member sees the group
 * appear, a removed one loses it at once, and the notification level follows the user to
 * their other devices (issue #17).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent, ConversationView, LocalMessage } from '../shared/bridge';
import {
  makeClient,
  signUp,
  startRestartableApi,
  unwrap,
  type RestartableApi,
  type TestClient,
} from './testing/harness';
import { startProxy } from './testing/proxy';

const isConversation =
  (id: string, check: (c: ConversationView) => boolean) =>
  (e: ChatEvent): boolean =>
    e.type === 'conversation' && e.conversation.id === id && check(e.conversation);

const isSystem =
  (id: string, event: string) =>
  (e: ChatEvent): boolean =>
    e.type === 'message' && e.message.conversationId === id && e.message.system?.event === event;

describe('groups through the client core (issue #17)', () => {
  let api: RestartableApi;
  let ann: TestClient;
  let bob: TestClient;
  let cara: TestClient;
  let ids: { ann: string; bob: string; cara: string };
  let groupId: string;

  beforeAll(async () => {
    api = await startRestartableApi();
    ann = makeClient();
    bob = makeClient();
    cara = makeClient();
    ids = {
      ann: await signUp(ann, api.url),
      bob: await signUp(bob, api.url),
      cara: await signUp(cara, api.url),
    };
    groupId = unwrap(await ann.client.createGroup({ title: 'Team', memberIds: [ids.bob] })).id;
    await bob.waitFor(isConversation(groupId, () => true));
  });

  afterAll(async () => {
    for (const t of [ann, bob, cara]) t.client.close();
    await api.close();
  });

  it('an added member sees the group appear live; everyone sees who added them', async () => {
    const after = unwrap(
      await ann.client.addMembers({ conversationId: groupId, userIds: [ids.cara] }),
    );
    expect(after.members.map((m) => m.id).sort()).toEqual([ids.ann, ids.bob, ids.cara].sort());
    await cara.waitFor(isConversation(groupId, (c) => c.members.length === 3));
    await bob.waitFor(isConversation(groupId, (c) => c.members.length === 3));
    const line = (await bob.waitFor(isSystem(groupId, 'member_added'))) as {
      message: LocalMessage;
    };
    expect(line.message.system).toMatchObject({ actorId: ids.ann, userIds: [ids.cara] });
    expect(line.message.kind).toBe('system');
    // A group change is history, never a notification.
    expect(bob.events.some((e) => e.type === 'incoming' && e.message.kind === 'system')).toBe(
      false,
    );
  });

  it('a rename reaches every member; only admins may rename or manage', async () => {
    const renamed = unwrap(
      await ann.client.renameGroup({ conversationId: groupId, title: 'Trip' }),
    );
    expect(renamed.title).toBe('Trip');
    await bob.waitFor(isConversation(groupId, (c) => c.title === 'Trip'));
    await bob.waitFor(isSystem(groupId, 'title_changed'));

    const refused = await bob.client.renameGroup({ conversationId: groupId, title: 'Mine' });
    expect(refused.ok ? null : refused.error.code).toBe('forbidden');
    const notAdmin = await bob.client.removeMember({ conversationId: groupId, userId: ids.cara });
    expect(notAdmin.ok ? null : notAdmin.error.code).toBe('forbidden');
    const blank = await ann.client.renameGroup({ conversationId: groupId, title: '   ' });
    expect(blank.ok ? null : blank.error.code).toBe('invalid_request');
  });

  it('an admin makes another member admin, and everyone sees the role', async () => {
    const after = unwrap(
      await ann.client.setAdmin({ conversationId: groupId, userId: ids.bob, admin: true }),
    );
    expect(after.admins).toContain(ids.bob);
    await bob.waitFor(isConversation(groupId, (c) => c.admins.includes(ids.bob)));
    await cara.waitFor(isSystem(groupId, 'admin_changed'));
  });

  it('a removed member loses the group at once and can no longer write to it', async () => {
    unwrap(await bob.client.removeMember({ conversationId: groupId, userId: ids.cara }));
    await cara.waitFor((e) => e.type === 'conversation-removed' && e.conversationId === groupId);
    expect(unwrap(await cara.client.listConversations()).map((c) => c.id)).not.toContain(groupId);
    const late = await cara.client.sendMessage({ conversationId: groupId, body: 'still here?' });
    expect(late.ok ? null : late.error.code).toBe('not_found');
    await ann.waitFor(isConversation(groupId, (c) => c.members.length === 2));
    await ann.waitFor(isSystem(groupId, 'member_removed'));
  });

  it('the notification level set on one device reaches the other at once', async () => {
    const phone = makeClient();
    const session = unwrap(await ann.client.getSession());
    unwrap(
      await phone.client.signIn({
        serverUrl: api.url,
        username: session?.user.username ?? '',
        password: 'correct horse battery',
      }),
    );
    try {
      unwrap(await phone.client.listConversations());
      const set = unwrap(
        await phone.client.setNotificationLevel({ conversationId: groupId, level: 'none' }),
      );
      expect(set.notifications).toBe('none');
      await ann.waitFor(isConversation(groupId, (c) => c.notifications === 'none'));
      // Only Ann's: Bob's stays.
      expect(
        unwrap(await bob.client.listConversations()).find((c) => c.id === groupId)?.notifications,
      ).toBe('all');
    } finally {
      phone.client.close();
    }
  });

  it('leaving drops the group here at once; the others see who left', async () => {
    unwrap(await bob.client.removeMember({ conversationId: groupId, userId: ids.bob }));
    expect(bob.events.at(-1)).toMatchObject({
      type: 'conversation-removed',
      conversationId: groupId,
    });
    await ann.waitFor(isSystem(groupId, 'member_left'));
    await ann.waitFor(isConversation(groupId, (c) => c.members.length === 1));
    const gone = await bob.client.renameGroup({ conversationId: groupId, title: 'Back' });
    expect(gone.ok ? null : gone.error.code).toBe('not_found');
  });
  it('removed while away: the group goes at the next catch-up', async () => {
    const proxy = await startProxy(api.port);
    const dan = makeClient();
    try {
      const danId = await signUp(dan, proxy.url);
      const team = unwrap(await ann.client.createGroup({ title: 'Away', memberIds: [danId] }));
      await dan.waitFor(isConversation(team.id, () => true));
      const mark = dan.events.length;
      proxy.cut();
      await dan.until(
        () =>
          dan.events
            .slice(mark)
            .some((e) => e.type === 'connection' && e.status === 'reconnecting'),
        'dan notices he is offline',
      );
      unwrap(await ann.client.removeMember({ conversationId: team.id, userId: danId }));
      proxy.restore();
      await dan.waitFor((e) => e.type === 'conversation-removed' && e.conversationId === team.id);
      await dan.waitFor((e) => e.type === 'connection' && e.status === 'online');
      expect(unwrap(await dan.client.listConversations()).map((c) => c.id)).not.toContain(team.id);
    } finally {
      dan.client.close();
      await proxy.close();
    }
  });
});
