import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Conversation, ErrorBody, type Conversation as ConversationT } from '@chat/protocol';
import {
  EventLog,
  createGroup,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
});
afterAll(async () => {
  await api.close();
});

const codeOf = (response: { body: unknown }) => ErrorBody.parse(response.body).error.code;
const path = (id: string, rest = '') => `/api/conversations/${id}${rest}`;
const patch = (token: string, url: string, body: unknown) =>
  api.http.request('PATCH', url, { token, body });
const del = (token: string, url: string) => api.http.request('DELETE', url, { token });

/** Ann (admin), Ben and Cat in a group, each with a socket and logs of what they hear. */
async function team() {
  const [ann, ben, cat] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  const group = await createGroup(api, ann.accessToken, [ben.user.id, cat.user.id], 'Team');
  const listen = async (person: RegisteredUser) => {
    const socket = await api.connect(person.accessToken);
    return {
      socket,
      messages: new EventLog(socket, 'message:new'),
      updated: new EventLog(socket, 'conversation:updated'),
      added: new EventLog(socket, 'conversation:new'),
      removed: new EventLog(socket, 'conversation:removed'),
    };
  };
  return {
    ann,
    ben,
    cat,
    group,
    heard: { ann: await listen(ann), ben: await listen(ben), cat: await listen(cat) },
    listen,
  };
}

describe('renaming a group', () => {
  test('an admin renames it: a system message and conversation:updated reach every member', async () => {
    const { ann, group, heard } = await team();
    const response = await patch(ann.accessToken, path(group.id), { title: '  New name ' });
    expect(response.status).toBe(200);
    const view = Conversation.strict().parse(response.body);
    expect(view.title).toBe('New name');
    for (const member of Object.values(heard)) {
      const system = await member.messages.waitFor((m) => m.kind === 'system');
      expect(system).toMatchObject({
        conversationId: group.id,
        body: '',
        system: { event: 'title_changed', actorId: ann.user.id, userIds: [], title: 'New name' },
      });
      const updated = await member.updated.waitFor((c) => c.id === group.id);
      expect(updated.title).toBe('New name');
      expect(updated.lastMessage?.id).toBe(system.id);
    }
  });

  test('a member who is not an admin gets 403, someone outside 404, a direct conversation 403', async () => {
    const { ben, group } = await team();
    const outsider = await registerUser(api);
    expect(codeOf(await patch(ben.accessToken, path(group.id), { title: 'x' }))).toBe('forbidden');
    expect(codeOf(await patch(outsider.accessToken, path(group.id), { title: 'x' }))).toBe(
      'not_found',
    );
    const direct = await openDirect(api, ben.accessToken, outsider.user.id);
    expect(codeOf(await patch(ben.accessToken, path(direct.id), { title: 'x' }))).toBe('forbidden');
    expect(codeOf(await patch(ben.accessToken, path(group.id), { title: '   ' }))).toBe(
      'invalid_request',
    );
  });
});

describe('adding members', () => {
  test('the new member gets conversation:new and the history, the others conversation:updated', async () => {
    const { ann, ben, group, heard, listen } = await team();
    await postMessage(api, ben.accessToken, group.id, 'before dan');
    const dan = await registerUser(api);
    const danHeard = await listen(dan);
    const response = await api.http.post(path(group.id, '/members'), {
      token: ann.accessToken,
      body: { userIds: [dan.user.id, ben.user.id] },
    });
    expect(response.status).toBe(200);
    const view = Conversation.parse(response.body);
    expect(view.members.map((m) => m.id)).toContain(dan.user.id);

    const announced = await danHeard.added.waitFor((c) => c.id === group.id);
    expect(announced.members.map((m) => m.id).at(-1)).toBe(dan.user.id);
    // What was said before they joined is there to read, not unread: only the line
    // saying they were added is new to them.
    expect(announced.unreadCount).toBe(1);
    expect(announced.lastReadSeq).toBe((announced.lastMessage?.seq ?? 0) - 1);
    const system = await heard.cat.messages.waitFor((m) => m.kind === 'system');
    expect(system.system).toEqual({
      event: 'member_added',
      actorId: ann.user.id,
      userIds: [dan.user.id],
      title: null,
    });
    await danHeard.messages.waitFor((m) => m.id === system.id);
    const catView = await heard.cat.updated.waitFor((c) => c.id === group.id);
    expect(catView.members.map((m) => m.id)).toContain(dan.user.id);
    expect(danHeard.updated.events).toEqual([]);

    const history = await api.http.get<{ messages: { body: string }[] }>(
      path(group.id, '/messages'),
      { token: dan.accessToken },
    );
    expect(history.body.messages.map((m) => m.body)).toContain('before dan');
    const next = await postMessage(api, ben.accessToken, group.id, 'welcome');
    await danHeard.messages.waitFor((m) => m.id === next.id);
  });

  test('only admins add; an unknown user is 404; a direct conversation refuses', async () => {
    const { ann, ben, group } = await team();
    const dan = await registerUser(api);
    const add = (token: string, id: string, userIds: string[]) =>
      api.http.post(path(id, '/members'), { token, body: { userIds } });
    expect(codeOf(await add(ben.accessToken, group.id, [dan.user.id]))).toBe('forbidden');
    expect(codeOf(await add(ann.accessToken, group.id, ['nobody']))).toBe('not_found');
    expect(codeOf(await add(ann.accessToken, group.id, []))).toBe('invalid_request');
    const direct = await openDirect(api, ann.accessToken, dan.user.id);
    expect(codeOf(await add(ann.accessToken, direct.id, [ben.user.id]))).toBe('forbidden');
    expect(codeOf(await add(dan.accessToken, group.id, [dan.user.id]))).toBe('not_found');
  });
});

describe('removing members and leaving', () => {
  test('a removed member gets conversation:removed, nothing more of it, and 404 from then on', async () => {
    const { ann, ben, cat, group, heard } = await team();
    const response = await del(ann.accessToken, path(group.id, `/members/${cat.user.id}`));
    expect(response.status).toBe(204);
    expect(await heard.cat.removed.waitFor()).toEqual({ conversationId: group.id });
    const system = await heard.ben.messages.waitFor((m) => m.kind === 'system');
    expect(system.system).toEqual({
      event: 'member_removed',
      actorId: ann.user.id,
      userIds: [cat.user.id],
      title: null,
    });
    const benView = await heard.ben.updated.waitFor((c) => c.id === group.id);
    expect(benView.members.map((m) => m.id)).not.toContain(cat.user.id);

    const after = await postMessage(api, ben.accessToken, group.id, 'cat is gone');
    await heard.ann.messages.waitFor((m) => m.id === after.id);
    expect(heard.cat.messages.events.map((m) => m.id)).not.toContain(after.id);
    expect(heard.cat.messages.events.map((m) => m.id)).not.toContain(system.id);
    expect(heard.cat.updated.events).toEqual([]);
    expect((await api.http.get(path(group.id), { token: cat.accessToken })).status).toBe(404);
    const send = await api.http.post(path(group.id, '/messages'), {
      token: cat.accessToken,
      body: { clientId: 'late', body: 'hello?' },
    });
    expect(send.status).toBe(404);
    const list = await api.http.get<{ conversations: ConversationT[] }>('/api/conversations', {
      token: cat.accessToken,
    });
    expect(list.body.conversations.map((c) => c.id)).not.toContain(group.id);
  });

  test('only an admin removes someone else; anyone may leave', async () => {
    const { ann, ben, cat, group, heard } = await team();
    expect(codeOf(await del(ben.accessToken, path(group.id, `/members/${cat.user.id}`)))).toBe(
      'forbidden',
    );
    expect((await del(ben.accessToken, path(group.id, `/members/${ben.user.id}`))).status).toBe(
      204,
    );
    await heard.ben.removed.waitFor((e) => e.conversationId === group.id);
    const system = await heard.ann.messages.waitFor((m) => m.kind === 'system');
    expect(system.system).toMatchObject({ event: 'member_left', actorId: ben.user.id });
    expect(codeOf(await del(ann.accessToken, path(group.id, `/members/${ben.user.id}`)))).toBe(
      'not_found',
    );
  });

  test('the last admin leaving makes the longest-standing member admin', async () => {
    const { ann, ben, group, heard } = await team();
    expect((await del(ann.accessToken, path(group.id, `/members/${ann.user.id}`))).status).toBe(
      204,
    );
    const view = await heard.cat.updated.waitFor((c) => c.id === group.id);
    expect(view.admins).toEqual([ben.user.id]);
    const renamed = await patch(ben.accessToken, path(group.id), { title: 'Ben runs it' });
    expect(renamed.status).toBe(200);
  });

  test('a direct conversation refuses removal and leaving', async () => {
    const [x, y] = await Promise.all([registerUser(api), registerUser(api)]);
    const direct = await openDirect(api, x.accessToken, y.user.id);
    expect(codeOf(await del(x.accessToken, path(direct.id, `/members/${x.user.id}`)))).toBe(
      'forbidden',
    );
    expect(codeOf(await del(x.accessToken, path(direct.id, `/members/${y.user.id}`)))).toBe(
      'forbidden',
    );
  });
});

describe('admins', () => {
  test('an admin makes a member admin and takes it back, each a system message', async () => {
    const { ann, ben, group, heard } = await team();
    const made = await patch(ann.accessToken, path(group.id, `/members/${ben.user.id}`), {
      admin: true,
    });
    expect(made.status).toBe(200);
    expect(Conversation.parse(made.body).admins).toEqual([ann.user.id, ben.user.id]);
    const system = await heard.cat.messages.waitFor((m) => m.kind === 'system');
    expect(system.system).toEqual({
      event: 'admin_changed',
      actorId: ann.user.id,
      userIds: [ben.user.id],
      title: null,
    });
    const unmade = await patch(ben.accessToken, path(group.id, `/members/${ann.user.id}`), {
      admin: false,
    });
    expect(Conversation.parse(unmade.body).admins).toEqual([ben.user.id]);
    const view = await heard.ann.updated.waitFor((c) => c.admins.length === 1);
    expect(view.admins).toEqual([ben.user.id]);
  });

  test('non-admins get 403, a non-member 404, and the only admin cannot step down', async () => {
    const { ann, ben, cat, group } = await team();
    const outsider = await registerUser(api);
    const set = (token: string, userId: string, admin: unknown) =>
      patch(token, path(group.id, `/members/${userId}`), { admin });
    expect(codeOf(await set(ben.accessToken, cat.user.id, true))).toBe('forbidden');
    expect(codeOf(await set(ann.accessToken, outsider.user.id, true))).toBe('not_found');
    expect(codeOf(await set(ann.accessToken, ann.user.id, false))).toBe('forbidden');
    expect(codeOf(await set(ann.accessToken, ben.user.id, 'yes'))).toBe('invalid_request');
  });
});
