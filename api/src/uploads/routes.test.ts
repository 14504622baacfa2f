import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { UPLOAD_LIMITS, type Message } from '@chat/protocol';
import {
  EventLog,
  connectSocket,
  createGroup,
  emitWithAck,
  errorOf,
  getBytes,
  nextEvent,
  openDirect,
  registerUser,
  startTestApi,
  uploadFile,
  uploaded,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';
import { photoJpeg } from '../../test/images';
import { UPLOAD_RATE } from '../messages/send-limiter';
import { toMessage, withAttachments } from '../messages/views';

/** The whole API on loopback with a small upload limit, so 413 is cheap to reach. */
const MAX_BYTES = 256 * 1024;

let api: TestApi;
let alice: RegisteredUser;
let bob: RegisteredUser;
let carol: RegisteredUser;
let groupId: string;

beforeAll(async () => {
  api = await startTestApi({ config: { uploadMaxBytes: MAX_BYTES, rateLimits: false } });
  [alice, bob, carol] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  groupId = (await createGroup(api, alice.accessToken, [bob.user.id], 'Files')).id;
});
afterAll(async () => {
  await api.close();
});

const send = (token: string, body: Record<string, unknown>) =>
  api.http.post<Message>(`/api/conversations/${groupId}/messages`, {
    token,
    body: { clientId: randomBytes(6).toString('hex'), body: '', ...body },
  });

describe('POST /api/uploads', () => {
  test('an image comes back described as stored, with a thumbnail', async () => {
    const response = await uploadFile(api, alice.accessToken, await photoJpeg(800, 600), 'cat.jpg');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'cat.webp',
      contentType: 'image/webp',
      width: 800,
      height: 600,
      thumbnail: true,
    });
  });

  test('a file over UPLOAD_MAX_BYTES is 413 payload_too_large', async () => {
    const response = await uploadFile(
      api,
      alice.accessToken,
      randomBytes(MAX_BYTES + 1),
      'big.bin',
    );
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('payload_too_large');
  });

  test('without a session it is 401 and nothing is read', async () => {
    const response = await uploadFile(api, undefined, Buffer.from('hello'), 'a.txt');
    expect(response.status).toBe(401);
  });
});

describe('GET /api/attachments/:id', () => {
  let pdf: { id: string; bytes: Buffer };
  let image: { id: string };

  beforeAll(async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(4000)]);
    const pdfUpload = await uploaded(api, alice.accessToken, bytes, 'report.pdf');
    const imageUpload = await uploaded(api, alice.accessToken, await photoJpeg(400, 300), 'p.jpg');
    const sent = await send(alice.accessToken, { attachmentIds: [pdfUpload.id, imageUpload.id] });
    expect(sent.status).toBe(201);
    pdf = { id: pdfUpload.id, bytes };
    image = { id: imageUpload.id };
  });

  test('a member gets the same bytes, as a download that is never sniffed', async () => {
    const response = await getBytes(api, `/api/attachments/${pdf.id}`, bob.accessToken);
    expect(response.status).toBe(200);
    expect(response.bytes.equals(pdf.bytes)).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('private');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="report.pdf"/,
    );
  });

  test('an image is shown inline, its thumbnail too', async () => {
    const full = await getBytes(api, `/api/attachments/${image.id}`, bob.accessToken);
    expect(full.headers.get('content-type')).toBe('image/webp');
    expect(full.headers.get('content-disposition')).toMatch(/^inline/);
    const thumbnail = await getBytes(
      api,
      `/api/attachments/${image.id}/thumbnail`,
      bob.accessToken,
    );
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(thumbnail.bytes.length).toBeGreaterThan(0);
  });

  test('a Range is answered with 206 and exactly those bytes', async () => {
    const response = await getBytes(api, `/api/attachments/${pdf.id}`, bob.accessToken, {
      Range: 'bytes=100-199',
    });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-199/${pdf.bytes.length}`);
    expect(response.bytes.equals(pdf.bytes.subarray(100, 200))).toBe(true);
  });

  test('a Range past the end is 416 with the size', async () => {
    const response = await getBytes(api, `/api/attachments/${pdf.id}`, bob.accessToken, {
      Range: `bytes=${pdf.bytes.length + 10}-`,
    });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${pdf.bytes.length}`);
  });

  test('someone outside the conversation gets 404, as for an id that names nothing', async () => {
    const foreign = await getBytes(api, `/api/attachments/${pdf.id}`, carol.accessToken);
    expect(foreign.status).toBe(404);
    const unknown = await getBytes(api, '/api/attachments/nothing-here', carol.accessToken);
    expect(unknown.status).toBe(404);
    expect(foreign.body).toEqual(unknown.body);
  });
});

describe('sending with attachmentIds', () => {
  test('a message of attachments alone reaches the others live and in history', async () => {
    const socket = await connectSocket(api.url, bob.accessToken);
    try {
      const upload = await uploaded(api, alice.accessToken, await photoJpeg(320, 240), 'a.jpg');
      const arrived = nextEvent(socket, 'message:new');
      const sent = await send(alice.accessToken, { attachmentIds: [upload.id] });
      expect(sent.status).toBe(201);
      expect(sent.body.body).toBe('');
      expect(sent.body.attachments).toEqual([upload]);
      expect((await arrived).attachments).toEqual([upload]);
      const history = await api.http.get<{ messages: Message[] }>(
        `/api/conversations/${groupId}/messages`,
        { token: bob.accessToken },
      );
      expect(history.body.messages.find((m) => m.id === sent.body.id)?.attachments).toEqual([
        upload,
      ]);
    } finally {
      socket.disconnect();
    }
  });

  test('over the socket too, in the order given', async () => {
    const socket = await connectSocket(api.url, alice.accessToken);
    try {
      const first = await uploaded(api, alice.accessToken, Buffer.from('one'), 'one.txt');
      const second = await uploaded(api, alice.accessToken, Buffer.from('two'), 'two.txt');
      const ack = await emitWithAck(socket, 'message:send', {
        conversationId: groupId,
        clientId: 'socket-files',
        body: 'two files',
        attachmentIds: [second.id, first.id],
      });
      expect(ack).toMatchObject({ ok: true });
      const { message } = ack as unknown as { message: Message };
      expect(message.attachments.map((a) => a.id)).toEqual([second.id, first.id]);
    } finally {
      socket.disconnect();
    }
  });

  test('a repeated clientId returns the first message with its attachments', async () => {
    const upload = await uploaded(api, alice.accessToken, Buffer.from('again'), 'a.txt');
    const body = { clientId: 'repeat-with-file', body: 'x', attachmentIds: [upload.id] };
    const path = `/api/conversations/${groupId}/messages`;
    const first = await api.http.post<Message>(path, { token: alice.accessToken, body });
    const second = await api.http.post<Message>(path, { token: alice.accessToken, body });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
  });

  test("someone else's upload, a used one, an unknown id or a blank message is 400 and stores nothing", async () => {
    const bobs = await uploaded(api, bob.accessToken, Buffer.from('bob'), 'bob.txt');
    const used = await uploaded(api, alice.accessToken, Buffer.from('used'), 'used.txt');
    expect(
      (await send(alice.accessToken, { body: 'first', attachmentIds: [used.id] })).status,
    ).toBe(201);
    const bobSocket = await connectSocket(api.url, bob.accessToken);
    const log = new EventLog(bobSocket, 'message:new');
    const before = await api.http.get<{ messages: Message[] }>(
      `/api/conversations/${groupId}/messages`,
      { token: alice.accessToken },
    );
    for (const attempt of [
      { attachmentIds: [bobs.id] },
      { attachmentIds: [used.id] },
      { attachmentIds: ['no-such-upload'] },
      { attachmentIds: [] },
      { body: '   ' },
    ]) {
      const response = await send(alice.accessToken, attempt);
      expect(response.status, JSON.stringify(attempt)).toBe(400);
      expect(errorOf(response).code).toBe('invalid_request');
    }
    const after = await api.http.get<{ messages: Message[] }>(
      `/api/conversations/${groupId}/messages`,
      { token: alice.accessToken },
    );
    expect(after.body.messages.length).toBe(before.body.messages.length);
    // Bob's upload is still his to send; once his message is seen, nothing of Alice's was.
    const bobId = bob.user.id;
    expect((await send(bob.accessToken, { attachmentIds: [bobs.id] })).status).toBe(201);
    await log.waitFor((m) => m.senderId === bobId);
    expect(log.events.filter((m) => m.senderId === alice.user.id)).toEqual([]);
    bobSocket.disconnect();
  });

  test(`more than ${UPLOAD_LIMITS.attachmentsPerMessageMax} attachments is 400`, async () => {
    const ids = Array.from(
      { length: UPLOAD_LIMITS.attachmentsPerMessageMax + 1 },
      (_, i) => `x${i}`,
    );
    const response = await send(alice.accessToken, { attachmentIds: ids });
    expect(response.status).toBe(400);
  });

  test('deleting the message for everyone erases its attachments and their bytes', async () => {
    const upload = await uploaded(api, alice.accessToken, Buffer.from('secret plan'), 'plan.txt');
    const sent = await send(alice.accessToken, { attachmentIds: [upload.id] });
    const path = `/api/attachments/${upload.id}`;
    expect((await getBytes(api, path, bob.accessToken)).status).toBe(200);
    const deleted = await api.app.services.messages.remove(alice.user.id, groupId, sent.body.seq);
    expect(deleted.attachments).toEqual([]);
    expect((await getBytes(api, path, alice.accessToken)).status).toBe(404);
    expect(await api.store.attachments.findById(upload.id)).toBeNull();
  });
});

describe('the per-user upload limit', () => {
  test('a flood of uploads from one user is refused with 429 while another user uploads', async () => {
    const limited = await startTestApi({ config: { uploadMaxBytes: MAX_BYTES } });
    try {
      const [flooder, bystander] = await Promise.all([
        registerUser(limited),
        registerUser(limited),
      ]);
      // All at once, so they land within one refill of the bucket however slow the machine.
      const allowed = UPLOAD_RATE.perSecond + UPLOAD_RATE.burst;
      const responses = await Promise.all(
        Array.from({ length: allowed + 5 }, (_, i) =>
          uploadFile(limited, flooder.accessToken, Buffer.from(`n${i}`), 'n.txt'),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
      const refusal = responses.find((r) => r.status === 429);
      expect(refusal?.status).toBe(429);
      expect(errorOf(refusal as Awaited<ReturnType<typeof uploadFile>>).code).toBe('rate_limited');
      expect(Number(refusal?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(UPLOAD_RATE.burst);
      const other = await uploadFile(limited, bystander.accessToken, Buffer.from('hi'), 'hi.txt');
      expect(other.status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('a history page', () => {
  test('shows each message its own files, and looks up only those messages', async () => {
    const direct = (await openDirect(api, alice.accessToken, carol.user.id)).id;
    const path = `/api/conversations/${direct}/messages`;
    const post = (body: Record<string, unknown>) =>
      api.http.post<Message>(path, {
        token: alice.accessToken,
        body: { clientId: randomBytes(6).toString('hex'), body: 'text', ...body },
      });
    const [one, two, three] = [
      await uploaded(api, alice.accessToken, Buffer.from('one'), 'one.txt'),
      await uploaded(api, alice.accessToken, Buffer.from('two'), 'two.txt'),
      await uploaded(api, alice.accessToken, Buffer.from('three'), 'three.txt'),
    ];
    const plain = (await post({ body: 'no files' })).body;
    const files = (await post({ body: 'two files', attachmentIds: [two.id, one.id] })).body;
    const deleted = (await post({ body: 'gone', attachmentIds: [three.id] })).body;
    expect(
      (await api.http.request('DELETE', `${path}/${deleted.seq}`, { token: alice.accessToken }))
        .status,
    ).toBe(204);
    const reply = (await post({ body: 'a reply', replyToSeq: files.seq })).body;

    const lookups = vi.spyOn(api.store.attachments, 'listForMessages');
    try {
      const page = await api.http.get<{ messages: Message[] }>(path, { token: carol.accessToken });
      expect(page.status).toBe(200);
      const byId = new Map(page.body.messages.map((m) => [m.id, m.attachments]));
      expect(byId.get(plain.id)).toEqual([]);
      expect(byId.get(files.id)).toEqual([two, one]);
      expect(byId.get(deleted.id)).toEqual([]);
      expect(byId.get(reply.id)).toEqual([]);
      // Only the message files were attached to was looked up, in one call.
      expect(lookups.mock.calls).toEqual([[[files.id]]]);
      // The same answer as looking up every message, as a store that cannot tell does.
      const records = await api.store.messages.list(direct, { limit: 50 });
      const unknowing = records.map((record) => ({ ...record, hasAttachments: undefined }));
      expect(page.body.messages).toEqual(await withAttachments(unknowing, api.store.attachments));

      lookups.mockClear();
      const older = await api.http.get<{ messages: Message[] }>(path, {
        token: carol.accessToken,
        query: { before: files.seq },
      });
      expect(older.body.messages.map((m) => m.id)).toEqual([plain.id]);
      expect(older.body.messages).toEqual(records.slice(0, 1).map((r) => toMessage(r)));
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
  });
});

describe('the conversation list', () => {
  test("a last message's files come with it, for the list's preview", async () => {
    const upload = await uploaded(api, alice.accessToken, await photoJpeg(320, 240), 'pic.jpg');
    const sent = await send(alice.accessToken, { attachmentIds: [upload.id] });
    expect(sent.status).toBe(201);
    const list = await api.http.get<{ conversations: { id: string; lastMessage: Message }[] }>(
      '/api/conversations',
      { token: bob.accessToken },
    );
    const group = list.body.conversations.find((c) => c.id === groupId);
    expect(group?.lastMessage.attachments).toEqual([upload]);
  });
});
