import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CLIENT_EVENTS,
  CLIENT_EVENT_TABLE,
  clientEventAckSchema,
  type ClientEvent,
} from '@chat/protocol';
import {
  emitWithAck,
  openDirect,
  registerUser,
  startTestApi,
  type ChatClientSocket,
  type TestApi,
} from '../../test/helpers';

let api: TestApi;
let socket: ChatClientSocket;
let valid: Record<ClientEvent, unknown>;

beforeAll(async () => {
  api = await startTestApi();
  const ann = await registerUser(api);
  const bob = await registerUser(api);
  const conversation = await openDirect(api, ann.accessToken, bob.user.id);
  socket = await api.connect(ann.accessToken);
  valid = {
    'message:send': { conversationId: conversation.id, clientId: 'table-1', body: 'hello' },
    typing: { conversationId: conversation.id, typing: true },
    receipt: { conversationId: conversation.id, type: 'delivered', seq: 1 },
    'auth:renew': { token: ann.accessToken },
    // On the message 'message:send' above stores (seq 1); the table lists the deletion last.
    'message:edit': { conversationId: conversation.id, seq: 1, body: 'hello, edited' },
    reaction: { conversationId: conversation.id, seq: 1, emoji: '👍', on: true },
    'message:delete': { conversationId: conversation.id, seq: 1 },
  };
});
afterAll(async () => {
  await api.close();
});

describe('client events against the protocol event table', () => {
  test('each success ack has the shape the table declares for its event', async () => {
    expect([...CLIENT_EVENTS].sort()).toEqual(Object.keys(valid).sort());
    for (const event of CLIENT_EVENTS) {
      const ack = await emitWithAck(socket, event, valid[event]);
      expect(ack, event).toMatchObject({ ok: true });
      const parsed = clientEventAckSchema(event).safeParse(ack);
      expect(parsed.success, `${event}: ${JSON.stringify(ack)}`).toBe(true);
    }
  });

  test("a payload the table's schema refuses is answered invalid_request, as the table's error ack", async () => {
    for (const event of CLIENT_EVENTS) {
      const ack = await emitWithAck(socket, event, { conversationId: 42 });
      expect(ack, event).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect(clientEventAckSchema(event).safeParse(ack).success, event).toBe(true);
    }
  });

  test('the ack schema tells a success without its declared fields from a real one', () => {
    expect(clientEventAckSchema('message:send').safeParse({ ok: true }).success).toBe(false);
    expect(CLIENT_EVENT_TABLE['message:send'].ack.shape).toHaveProperty('message');
  });
});
