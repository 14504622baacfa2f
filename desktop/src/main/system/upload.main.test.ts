import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attachment } from '@chat/protocol';
import { registerUser, startTestApi, type RegisteredUser, type TestApi } from '@chat/api/testing';
import { UploadCancel } from '../../core/api-client';
import { nodeUploadSender } from './upload.main';

let api: TestApi;
let user: RegisteredUser;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
  user = await registerUser(api);
});
afterAll(async () => {
  await api.close();
});

function request(bytes: Uint8Array, name: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  return {
    url: `${api.url}/api/uploads`,
    headers: { accept: 'application/json', authorization: `Bearer ${user.accessToken}` },
    form,
  };
}

describe('uploads from the main process', () => {
  it('report progress as the body goes out and end with the stored attachment', async () => {
    const bytes = randomBytes(1_000_000);
    const reports: [number, number][] = [];
    const answer = await nodeUploadSender({
      ...request(bytes, 'notes.bin'),
      cancel: undefined,
      onProgress: (sent, total) => reports.push([sent, total]),
    });
    expect(answer.status).toBe(201);
    const stored = Attachment.parse(JSON.parse(answer.text));
    expect(stored).toMatchObject({ name: 'notes.bin', size: bytes.byteLength });
    // Many steps, never backwards, the last one the whole body (the multipart framing
    // makes it a little more than the file).
    expect(reports.length).toBeGreaterThan(10);
    const sent = reports.map(([s]) => s);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    const [lastSent, total] = reports.at(-1) ?? [0, 0];
    expect(lastSent).toBe(total);
    expect(total).toBeGreaterThan(bytes.byteLength);
  });

  it('stop at once when cancelled: the promise rejects with "cancelled", nothing is kept', async () => {
    const before = await api.store.attachments.listLooseBefore(new Date(Date.now() + 60_000), 1000);
    const cancel = new UploadCancel();
    const sending = nodeUploadSender({
      ...request(randomBytes(8_000_000), 'big.bin'),
      cancel,
      // Cancelled as soon as the first part is out, well before the end.
      onProgress: () => cancel.cancel(),
    });
    await expect(sending).rejects.toMatchObject({ code: 'cancelled' });
    const after = await api.store.attachments.listLooseBefore(new Date(Date.now() + 60_000), 1000);
    expect(after.length).toBe(before.length);
  });

  it('a refused upload is the server answer, not a network error', async () => {
    const expired = await nodeUploadSender({
      ...request(randomBytes(10), 'x.bin'),
      headers: { accept: 'application/json', authorization: 'Bearer nope' },
      cancel: undefined,
      onProgress: undefined,
    });
    expect(expired.status).toBe(401);
  });
});
