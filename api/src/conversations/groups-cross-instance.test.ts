import { describe, expect, test } from 'vitest';
import { EventLog, createGroup, postMessage, registerUser } from '../../test/helpers';
import { useSharedInstances } from '../../test/shared-instances';

const { one, two, connect } = useSharedInstances('groups');

describe('group membership across instances', () => {
  test('a member removed through one instance hears nothing more on the other', async () => {
    const [ann, ben, cat] = await Promise.all([
      registerUser(one),
      registerUser(one),
      registerUser(two),
    ]);
    const group = await createGroup(one, ann.accessToken, [ben.user.id, cat.user.id]);
    const catSocket = await connect(two, cat.accessToken);
    const catMessages = new EventLog(catSocket, 'message:new');
    const catRemoved = new EventLog(catSocket, 'conversation:removed');
    const benMessages = new EventLog(await connect(two, ben.accessToken), 'message:new');
    // Instance two learns the member list (and remembers it) by carrying a message.
    const warm = await postMessage(two, ben.accessToken, group.id, 'everyone here?');
    await catMessages.waitFor((m) => m.id === warm.id);

    const removed = await one.http.request(
      'DELETE',
      `/api/conversations/${group.id}/members/${cat.user.id}`,
      {
        token: ann.accessToken,
      },
    );
    expect(removed.status).toBe(204);
    expect(await catRemoved.waitFor()).toEqual({ conversationId: group.id });

    // Sent through the instance that still had Cat in its cache, and through the other.
    const through2 = await postMessage(two, ben.accessToken, group.id, 'after cat left');
    const through1 = await postMessage(one, ann.accessToken, group.id, 'and again');
    await benMessages.waitFor((m) => m.id === through2.id);
    await benMessages.waitFor((m) => m.id === through1.id);
    const heard = catMessages.events.map((m) => m.id);
    expect(heard).not.toContain(through2.id);
    expect(heard).not.toContain(through1.id);
    const read = await two.http.get(`/api/conversations/${group.id}/messages`, {
      token: cat.accessToken,
    });
    expect(read.status).toBe(404);
  });

  test('a member added through one instance receives what is sent through the other', async () => {
    const [ann, ben, dan] = await Promise.all([
      registerUser(one),
      registerUser(two),
      registerUser(two),
    ]);
    const group = await createGroup(one, ann.accessToken, [ben.user.id]);
    const danSocket = await connect(two, dan.accessToken);
    const danNew = new EventLog(danSocket, 'conversation:new');
    const danMessages = new EventLog(danSocket, 'message:new');
    await postMessage(two, ben.accessToken, group.id, 'before dan');

    const added = await one.http.post(`/api/conversations/${group.id}/members`, {
      token: ann.accessToken,
      body: { userIds: [dan.user.id] },
    });
    expect(added.status).toBe(200);
    await danNew.waitFor((c) => c.id === group.id);
    const next = await postMessage(two, ben.accessToken, group.id, 'welcome dan');
    await danMessages.waitFor((m) => m.id === next.id);
  });
});
