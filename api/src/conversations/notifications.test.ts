import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Conversation, ErrorBody } from '@chat/protocol';
import {
  EventLog,
  emitWithAck,
  openDirect,
  postMessage,
  registerUser,
  login,
  startTestApi,
  type TestApi,
} from '../../test/helpers';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
});
afterAll(async () => {
  await api.close();
});

describe('notification level per conversation', () => {
  test('is stored for the caller alone and reaches every socket of theirs', async () => {
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    expect(direct.notifications).toBe('all');
    const annUpdates = new EventLog(await api.connect(ann.accessToken), 'conversation:updated');
    const benUpdates = new EventLog(await api.connect(ben.accessToken), 'conversation:updated');

    const response = await api.http.request(
      'PUT',
      `/api/conversations/${direct.id}/notifications`,
      {
        token: ann.accessToken,
        body: { level: 'mentions' },
      },
    );
    expect(response.status).toBe(204);
    const told = await annUpdates.waitFor((c) => c.id === direct.id);
    expect(told.notifications).toBe('mentions');

    const annView = await api.http.get(`/api/conversations/${direct.id}`, {
      token: ann.accessToken,
    });
    expect(Conversation.parse(annView.body).notifications).toBe('mentions');
    const benView = await api.http.get(`/api/conversations/${direct.id}`, {
      token: ben.accessToken,
    });
    expect(Conversation.parse(benView.body).notifications).toBe('all');
    expect(benUpdates.events).toEqual([]);
  });

  test('an unknown level is 400, a conversation of others 404', async () => {
    const [ann, ben, cat] = await Promise.all([
      registerUser(api),
      registerUser(api),
      registerUser(api),
    ]);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    const put = (token: string, level: unknown) =>
      api.http.request('PUT', `/api/conversations/${direct.id}/notifications`, {
        token,
        body: { level },
      });
    expect(ErrorBody.parse((await put(ann.accessToken, 'loud')).body).error.code).toBe(
      'invalid_request',
    );
    expect(ErrorBody.parse((await put(cat.accessToken, 'none')).body).error.code).toBe('not_found');
  });
});

describe('read receipts reach the reader’s own devices', () => {
  test('a read on one device reaches the other devices of the reader, not the one that sent it', async () => {
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    const sent = await postMessage(api, ann.accessToken, direct.id, 'read me');
    const second = await login(api, ben.user.username, ben.password);
    const phone = await api.connect(ben.accessToken);
    const laptop = await api.connect(second.accessToken);
    const phoneReceipts = new EventLog(phone, 'receipt');
    const laptopReceipts = new EventLog(laptop, 'receipt');
    const annReceipts = new EventLog(await api.connect(ann.accessToken), 'receipt');

    const ack = await emitWithAck(phone, 'receipt', {
      conversationId: direct.id,
      type: 'read',
      seq: sent.seq,
    });
    expect(ack.ok).toBe(true);
    const expected = {
      conversationId: direct.id,
      userId: ben.user.id,
      type: 'read',
      seq: sent.seq,
    };
    expect(await laptopReceipts.waitFor()).toEqual(expected);
    expect(await annReceipts.waitFor()).toEqual(expected);
    expect(phoneReceipts.events).toEqual([]);

    // Over REST no socket sent it: every socket of the reader hears it.
    const next = await postMessage(api, ann.accessToken, direct.id, 'and me');
    const read = await api.http.post(`/api/conversations/${direct.id}/read`, {
      token: ben.accessToken,
      body: { seq: next.seq },
    });
    expect(read.status).toBe(204);
    await phoneReceipts.waitFor((r) => r.seq === next.seq);
    await laptopReceipts.waitFor((r) => r.seq === next.seq);
  });
});
