import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorBody, HistoryResponse, Message, type Conversation } from '@chat/protocol';
import { openSqliteStore } from '../store/sqlite';
import { StoreUnavailable, type MessageStore, type Store } from '../store/types';
import { startWithDirect } from '../../test/fixtures';
import {
  EventLog,
  emitWithAck,
  type ChatClientSocket,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

/**
 * A store whose next `append` stores the message and then fails, as a MongoDB write whose
 * reply was lost or a process that died between the write and the emit would.
 */
function storesThenFails(store: Store): Store & { failNextAppend(): void } {
  let armed = false;
  const messages: MessageStore = {
    ...store.messages,
    append: async (input) => {
      const stored = await store.messages.append(input);
      if (armed) {
        armed = false;
        throw new StoreUnavailable('the reply of the write was lost');
      }
      return stored;
    },
  };
  return {
    kind: store.kind,
    users: store.users,
    sessions: store.sessions,
    conversations: store.conversations,
    receipts: store.receipts,
    attachments: store.attachments,
    push: store.push,
    messages,
    ping: () => store.ping(),
    close: () => store.close(),
    failNextAppend: () => {
      armed = true;
    },
  };
}

const codeOf = (body: unknown) => ErrorBody.parse(body).error.code;

describe('a send stored but never announced', () => {
  let api: TestApi<ReturnType<typeof storesThenFails>>;
  let ann: RegisteredUser;
  let ben: RegisteredUser;
  let direct: Conversation;

  beforeAll(async () => {
    ({ api, ann, ben, direct } = await startWithDirect({
      openStore: (file) => storesThenFails(openSqliteStore(file)),
    }));
  });
  afterAll(async () => {
    await api.close();
  });

  const send = (clientId: string, body: string) =>
    api.http.post(`/api/conversations/${direct.id}/messages`, {
      token: ann.accessToken,
      body: { clientId, body },
    });

  test('over REST: the failure is 503 unavailable, and the retry announces the stored message', async () => {
    const benLog = new EventLog(await api.connect(ben.accessToken), 'message:new');
    api.store.failNextAppend();
    const failed = await send('lost-reply-1', 'are you there?');
    expect(failed.status).toBe(503);
    expect(codeOf(failed.body)).toBe('unavailable');
    expect(Number(failed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // The honest retry: the store answers created: false, yet Ben is told now.
    const retried = await send('lost-reply-1', 'are you there?');
    expect(retried.status).toBe(200);
    const message = Message.parse(retried.body);
    expect(await benLog.waitFor((m) => m.clientId === 'lost-reply-1')).toEqual(message);

    const history = HistoryResponse.parse(
      (
        await api.http.get(`/api/conversations/${direct.id}/messages`, {
          token: ben.accessToken,
        })
      ).body,
    );
    expect(history.messages.filter((m) => m.clientId === 'lost-reply-1')).toEqual([message]);
  });

  test('over a socket: the ack says unavailable, and the resend announces it to the other member', async () => {
    const annSocket = await api.connect(ann.accessToken);
    const benLog = new EventLog(await api.connect(ben.accessToken), 'message:new');
    const payload = { conversationId: direct.id, clientId: 'lost-reply-2', body: 'hello?' };
    api.store.failNextAppend();
    expect(await emitWithAck(annSocket, 'message:send', payload)).toMatchObject({
      ok: false,
      error: { code: 'unavailable' },
    });
    const resent = await emitWithAck(annSocket, 'message:send', payload);
    if (!resent.ok) throw new Error(`resend refused: ${resent.error.code}`);
    const message = Message.parse(resent.message);
    expect(await benLog.waitFor((m) => m.clientId === 'lost-reply-2')).toEqual(message);
  });
});

describe('a locked SQLite file', () => {
  let api: TestApi;
  let ann: RegisteredUser;
  let direct: Conversation;
  let annSocket: ChatClientSocket;

  beforeAll(async () => {
    ({ api, ann, direct } = await startWithDirect({
      // Short, so the test does not wait the default 5 s for the lock.
      openStore: (file) => openSqliteStore(file, { busyTimeoutMs: 50 }),
    }));
    annSocket = await api.connect(ann.accessToken);
  });
  afterAll(async () => {
    await api.close();
  });

  test('answers 503 unavailable with Retry-After (REST and ack) while another connection holds the write lock', async () => {
    const other = new Database(api.databaseFile);
    try {
      other.prepare('BEGIN EXCLUSIVE').run();
      const response = await api.http.post(`/api/conversations/${direct.id}/messages`, {
        token: ann.accessToken,
        body: { clientId: 'locked-1', body: 'waits for the lock' },
      });
      expect(response.status).toBe(503);
      expect(codeOf(response.body)).toBe('unavailable');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      expect(
        await emitWithAck(annSocket, 'message:send', {
          conversationId: direct.id,
          clientId: 'locked-2',
          body: 'waits too',
        }),
      ).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      other.prepare('ROLLBACK').run();
    } finally {
      other.close();
    }
    // Once the lock is gone, the same send goes through.
    const again = await api.http.post(`/api/conversations/${direct.id}/messages`, {
      token: ann.accessToken,
      body: { clientId: 'locked-1', body: 'waits for the lock' },
    });
    expect(again.status).toBe(201);
  });
});
