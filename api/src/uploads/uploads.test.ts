import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Attachment, UPLOAD_LIMITS } from '@chat/protocol';
import type { AppState } from '../http/context';
import { errorMiddleware } from '../http/errors';
import { createLogger } from '../http/logging';
import { openSqliteStore, type SqliteStore } from '../store/sqlite';
import type { UserRecord } from '../store/types';
import { animatedGif, photoJpeg, pngBomb, sidewaysJpegWithGps } from '../../test/images';
import { respondDownload, respondUpload } from './handlers';
import { ImageProcessor } from './images';
import { UploadService } from './service';
import { localBlobStorage } from './storage';

const PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';
const MAX_BYTES = UPLOAD_LIMITS.bytesMaxDefault;

interface Harness {
  url: string;
  dir: string;
  blobDir: string;
  spoolDir: string;
  store: SqliteStore;
  uploads: UploadService;
  now: { ms: number };
  alice: UserRecord;
  bob: UserRecord;
  carol: UserRecord;
  close(): Promise<void>;
}

/**
 * The module behind a tiny Koa app, as the route table's handlers (routes.ts) use it: the
 * caller is named by an `X-User` header here (the real routes use requireAuth).
 */
async function harness(
  options: { images?: ImageProcessor; maxBytes?: number } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-uploads-'));
  const blobDir = join(dir, 'blobs');
  const spoolDir = join(dir, 'spool');
  const store = openSqliteStore(join(dir, 'chat.db'));
  const now = { ms: Date.UTC(2026, 11, 1, 12) };
  const uploads = new UploadService({
    attachments: store.attachments,
    conversations: store.conversations,
    blobs: localBlobStorage(blobDir),
    images: options.images ?? new ImageProcessor(),
    clock: () => now.ms,
    maxBytes: options.maxBytes ?? MAX_BYTES,
    tmpDir: spoolDir,
  });
  const app = new Koa<AppState>();
  app.use(errorMiddleware(createLogger('silent')));
  const router = new Router<AppState>();
  const caller = (ctx: Koa.Context) => ctx.get('X-User');
  router.post('/api/uploads', async (ctx) => {
    ctx.body = await respondUpload(ctx, uploads, caller(ctx));
    ctx.status = 201;
  });
  const download = (variant: 'original' | 'thumbnail') => async (ctx: Koa.Context) => {
    const { id } = ctx.params as { id?: string };
    const answer = await respondDownload(ctx, uploads, {
      userId: caller(ctx),
      attachmentId: id ?? '',
      variant,
    });
    ctx.status = answer.status;
    ctx.body = answer.body ?? '';
  };
  router.get('/api/attachments/:id', download('original'));
  router.get('/api/attachments/:id/thumbnail', download('thumbnail'));
  app.use(router.routes());
  // Koa reports a client that vanished mid-upload here; the tests check the outcome.
  app.on('error', () => undefined);
  const handle = app.callback();
  const server: Server = createServer((req, res) => void handle(req, res));
  // A client may have every byte before the server has ended its response; closing
  // waits for those, so no test sees another's teardown as a failed download.
  let inFlight = 0;
  let drained: (() => void) | null = null;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const user = (username: string) =>
    store.users.create({ username, displayName: username, passwordHash: PASSWORD_HASH });
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    blobDir,
    spoolDir,
    store,
    uploads,
    now,
    alice: await user('alice'),
    bob: await user('bob'),
    carol: await user('carol'),
    async close() {
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await uploads.images.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

let h: Harness;

async function upload(
  bytes: Buffer,
  name: string,
  type = 'application/octet-stream',
  userId = h.alice.id,
) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  const response = await fetch(`${h.url}/api/uploads`, {
    method: 'POST',
    headers: { 'X-User': userId },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function uploaded(bytes: Buffer, name: string, type?: string): Promise<Attachment> {
  const { status, body } = await upload(bytes, name, type);
  expect(status, JSON.stringify(body)).toBe(201);
  return Attachment.parse(body);
}

async function download(
  id: string,
  userId: string,
  path = '',
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${h.url}/api/attachments/${id}${path}`, {
    headers: { 'X-User': userId, ...headers },
  });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Nothing kept: no stored bytes, no spooled file, no record. */
async function expectNothingKept(): Promise<void> {
  expect(await filesUnder(h.blobDir)).toEqual([]);
  expect(await filesUnder(h.spoolDir)).toEqual([]);
  const count = h.store.database.prepare('SELECT count(*) AS n FROM attachments').get() as {
    n: number;
  };
  expect(count.n).toBe(0);
}

async function sendWith(attachmentId: string) {
  const { conversation } = await h.store.conversations.findOrCreateDirect(h.alice.id, h.bob.id);
  const { message } = await h.store.messages.append({
    conversationId: conversation.id,
    senderId: h.alice.id,
    clientId: `c-${attachmentId}`,
    body: '',
  });
  const attached = await h.store.attachments.attach([attachmentId], h.alice.id, {
    kind: 'message',
    conversationId: conversation.id,
    messageId: message.id,
  });
  expect(attached).toBe(true);
  return message;
}

describe('uploads', () => {
  let bomb: Buffer;
  beforeAll(() => {
    bomb = pngBomb(50_000);
  });
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.close();
  });

  describe('images', () => {
    it('turns a sideways photo upright, drops its EXIF and GPS, and stores WebP with a thumbnail', async () => {
      const original = await sidewaysJpegWithGps(3000, 1500);
      expect((await sharp(original).metadata()).exif).toBeDefined();
      const attachment = await uploaded(original, 'holiday.JPG', 'image/jpeg');
      // Stored upright: the 3000 × 1500 sensor image is 1500 × 3000, then fits 2048.
      expect(attachment).toMatchObject({
        name: 'holiday.webp',
        contentType: 'image/webp',
        width: 1024,
        height: 2048,
        thumbnail: true,
      });

      const { response, bytes } = await download(attachment.id, h.alice.id);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      expect(response.headers.get('content-disposition')).toMatch(/^inline;/);
      expect(bytes.length).toBe(attachment.size);
      const stored = await sharp(bytes).metadata();
      expect(stored).toMatchObject({ format: 'webp', width: 1024, height: 2048 });
      expect(stored.exif).toBeUndefined();
      expect(stored.xmp).toBeUndefined();
      expect(stored.orientation).toBeUndefined();
      expect(bytes.includes(Buffer.from('Secret Photographer'))).toBe(false);

      const thumb = await download(attachment.id, h.alice.id, '/thumbnail');
      expect(thumb.response.status).toBe(200);
      expect(thumb.response.headers.get('content-type')).toBe('image/webp');
      const thumbMeta = await sharp(thumb.bytes).metadata();
      expect(Math.max(thumbMeta.width, thumbMeta.height)).toBe(320);
      expect(thumbMeta).toMatchObject({ width: 160, height: 320 });
    });

    it('keeps a small image at its size', async () => {
      const attachment = await uploaded(await photoJpeg(640, 480), 'small.jpg');
      expect(attachment).toMatchObject({ width: 640, height: 480, contentType: 'image/webp' });
    });

    it('keeps an animated GIF animated, as animated WebP', async () => {
      const attachment = await uploaded(await animatedGif(120, 90, 4), 'dance.gif', 'image/gif');
      expect(attachment).toMatchObject({ contentType: 'image/webp', width: 120, height: 90 });
      const { bytes } = await download(attachment.id, h.alice.id);
      const meta = await sharp(bytes).metadata();
      expect(meta.pages).toBe(4);
      expect(meta.delay).toEqual([100, 100, 100, 100]);
      const thumb = await download(attachment.id, h.alice.id, '/thumbnail');
      expect((await sharp(thumb.bytes).metadata()).pages).toBe(4);
    });

    it('refuses a decompression bomb with a 400 and goes on serving', async () => {
      expect(bomb.length).toBeLessThan(1024 * 1024);
      const { status, body } = await upload(bomb, 'tiny.png', 'image/png');
      expect(status).toBe(400);
      expect(body).toEqual({
        error: { code: 'invalid_request', message: expect.stringMatching(/too large/) as string },
      });
      await expectNothingKept();
      await uploaded(await photoJpeg(200, 100), 'after.jpg');
    });

    it('refuses bytes that start like a JPEG and are not one with a 400', async () => {
      const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]);
      const { status, body } = await upload(fake, 'fake.jpg', 'image/jpeg');
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: { code: 'invalid_request' } });
      await expectNothingKept();
    });

    it('refuses a truncated image with a 400 and keeps nothing', async () => {
      const whole = await photoJpeg(800, 600);
      const { status, body } = await upload(whole.subarray(0, whole.length >> 1), 'cut.jpg');
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: { code: 'invalid_request' } });
      await expectNothingKept();
    });
  });

  describe('types come from the bytes', () => {
    it('treats a PNG named .txt and sent as text/plain as the image it is', async () => {
      const png = await sharp(await photoJpeg(300, 200))
        .png()
        .toBuffer();
      const attachment = await uploaded(png, 'notes.txt', 'text/plain');
      expect(attachment).toMatchObject({ name: 'notes.webp', contentType: 'image/webp' });
    });

    it('stores a ZIP named .jpg and sent as image/jpeg as a plain download', async () => {
      // A minimal empty ZIP archive: the end-of-central-directory record alone.
      const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)]);
      const attachment = await uploaded(zip, 'cat.jpg', 'image/jpeg');
      expect(attachment).toMatchObject({
        name: 'cat.jpg',
        contentType: 'application/zip',
        size: zip.length,
        width: null,
        height: null,
        thumbnail: false,
      });
      const { response, bytes } = await download(attachment.id, h.alice.id);
      expect(bytes.equals(zip)).toBe(true);
      expect(response.headers.get('content-type')).toBe('application/zip');
      expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect((await download(attachment.id, h.alice.id, '/thumbnail')).response.status).toBe(404);
    });

    it.each([
      [
        'an SVG',
        'logo.svg',
        'image/svg+xml',
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      ],
      [
        'an HTML page',
        'page.html',
        'text/html',
        '<!doctype html><script>alert(document.cookie)</script>',
      ],
    ])('stores %s as plain text, never to be shown inline', async (_what, name, type, text) => {
      const attachment = await uploaded(Buffer.from(text), name, type);
      expect(attachment).toMatchObject({
        name,
        contentType: 'text/plain; charset=utf-8',
        thumbnail: false,
      });
      const { response, bytes } = await download(attachment.id, h.alice.id);
      expect(bytes.toString()).toBe(text);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="${name}"; filename*=UTF-8''${name}`,
      );
      expect(response.headers.get('content-security-policy')).toContain('sandbox');
    });

    it('stores unknown binary bytes as application/octet-stream, byte for byte', async () => {
      const bytes = Buffer.concat([Buffer.from([0, 1, 2, 0xff]), randomBytes(5000)]);
      const attachment = await uploaded(bytes, 'data.bin');
      expect(attachment.contentType).toBe('application/octet-stream');
      expect((await download(attachment.id, h.alice.id)).bytes.equals(bytes)).toBe(true);
    });
  });

  describe('malformed and oversized requests', () => {
    it('refuses a zero-byte file with a 400', async () => {
      const { status, body } = await upload(Buffer.alloc(0), 'empty.txt');
      expect(status).toBe(400);
      expect(body).toEqual({ error: { code: 'invalid_request', message: 'The file is empty.' } });
      await expectNothingKept();
    });

    it('refuses 25 MiB + 1 byte with a 413 before reading it', async () => {
      const { status, body } = await upload(Buffer.alloc(MAX_BYTES + 1, 7), 'big.bin');
      expect(status).toBe(413);
      expect(body).toMatchObject({ error: { code: 'payload_too_large' } });
      await expectNothingKept();
    });

    it('stops reading a chunked 25 MiB + 1 byte upload at the limit and keeps nothing', async () => {
      const boundary = 'xBOUNDARYx';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const piece = Buffer.alloc(1024 * 1024, 1);
      const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          `${h.url}/api/uploads`,
          {
            method: 'POST',
            headers: {
              'X-User': h.alice.id,
              'Content-Type': `multipart/form-data; boundary=${boundary}`,
              'Transfer-Encoding': 'chunked',
            },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        // The server may close the connection before the whole body is written.
        req.on('error', reject);
        req.write(head);
        let sent = 0;
        const more = () => {
          while (sent < MAX_BYTES + 1) {
            const n = Math.min(piece.length, MAX_BYTES + 1 - sent);
            sent += n;
            if (!req.write(piece.subarray(0, n))) {
              req.once('drain', more);
              return;
            }
          }
          req.end(tail);
        };
        more();
      });
      expect(result.status).toBe(413);
      expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'payload_too_large' } });
      await expectNothingKept();
    });

    it('accepts a file of exactly UPLOAD_MAX_BYTES and refuses one byte more', async () => {
      await h.close();
      h = await harness({ maxBytes: 1000 });
      const exact = await uploaded(Buffer.alloc(1000, 'a'), 'a.txt');
      expect(exact.size).toBe(1000);
      const over = await upload(Buffer.alloc(1001, 'a'), 'b.txt');
      expect(over.status).toBe(413);
      expect(await filesUnder(h.spoolDir)).toEqual([]);
    });

    it.each([
      ['a JSON body', { 'Content-Type': 'application/json' }, '{"file":"x"}'],
      ['multipart without a boundary', { 'Content-Type': 'multipart/form-data' }, 'x'],
      [
        'no part named file',
        { 'Content-Type': 'multipart/form-data; boundary=b' },
        '--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nvalue\r\n--b--\r\n',
      ],
      [
        'a file part with another name',
        { 'Content-Type': 'multipart/form-data; boundary=b' },
        '--b\r\nContent-Disposition: form-data; name="upload"; filename="a.txt"\r\n\r\nhello\r\n--b--\r\n',
      ],
      [
        'two files',
        { 'Content-Type': 'multipart/form-data; boundary=b' },
        '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n' +
          '--b\r\nContent-Disposition: form-data; name="file"; filename="b.txt"\r\n\r\nworld\r\n--b--\r\n',
      ],
      [
        'a body cut off before its closing boundary',
        { 'Content-Type': 'multipart/form-data; boundary=b' },
        '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello',
      ],
    ])('refuses %s with a clear 400 and keeps nothing', async (_what, headers, body) => {
      const response = await fetch(`${h.url}/api/uploads`, {
        method: 'POST',
        headers: { 'X-User': h.alice.id, ...headers },
        body,
      });
      expect(response.status).toBe(400);
      const error = (await response.json()) as { error: { code: string; message: string } };
      expect(error.error.code).toBe('invalid_request');
      expect(error.error.message).not.toBe('');
      await expectNothingKept();
    });

    it('keeps nothing of an upload whose client goes away mid-body', async () => {
      const boundary = 'b';
      const req = request(`${h.url}/api/uploads`, {
        method: 'POST',
        headers: {
          'X-User': h.alice.id,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': String(10 * 1024 * 1024),
        },
      });
      req.on('error', () => undefined);
      req.write(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`,
      );
      req.write(Buffer.alloc(512 * 1024, 3));
      // Wait until the server has started spooling, then vanish.
      await waitUntil(async () => (await filesUnder(h.spoolDir)).length === 1);
      req.destroy();
      await waitUntil(async () => (await filesUnder(h.spoolDir)).length === 0);
      await expectNothingKept();
    });
  });

  describe('who may download', () => {
    it('serves the uploader and members of the conversation, and 404s everyone else', async () => {
      const bytes = Buffer.from('quarterly numbers\n');
      const attachment = await uploaded(bytes, 'q3.txt');
      expect((await download(attachment.id, h.alice.id)).response.status).toBe(200);
      // Loose: only its uploader sees it.
      expect((await download(attachment.id, h.bob.id)).response.status).toBe(404);

      await sendWith(attachment.id);
      const asBob = await download(attachment.id, h.bob.id);
      expect(asBob.response.status).toBe(200);
      expect(asBob.bytes.equals(bytes)).toBe(true);
      expect(asBob.response.headers.get('cache-control')).toBe('private');

      const asCarol = await download(attachment.id, h.carol.id);
      expect(asCarol.response.status).toBe(404);
      const unknown = await download('no-such-id', h.carol.id);
      expect(unknown.response.status).toBe(404);
      // The same answer whether it exists or not.
      expect(asCarol.bytes.toString()).toBe(unknown.bytes.toString());
    });
  });

  describe('ranges', () => {
    it('answers Range requests with 206, suffix ranges and 416 past the end', async () => {
      const bytes = Buffer.from('0123456789abcdefghij');
      const { id } = await uploaded(bytes, 'digits.txt');
      const first = await download(id, h.alice.id, '', { Range: 'bytes=0-9' });
      expect(first.response.status).toBe(206);
      expect(first.bytes.toString()).toBe('0123456789');
      expect(first.response.headers.get('content-range')).toBe('bytes 0-9/20');
      expect(first.response.headers.get('content-length')).toBe('10');

      const open = await download(id, h.alice.id, '', { Range: 'bytes=15-' });
      expect(open.bytes.toString()).toBe('fghij');
      const suffix = await download(id, h.alice.id, '', { Range: 'bytes=-3' });
      expect(suffix.bytes.toString()).toBe('hij');

      const past = await download(id, h.alice.id, '', { Range: 'bytes=20-' });
      expect(past.response.status).toBe(416);
      expect(past.response.headers.get('content-range')).toBe('bytes */20');

      const whole = await download(id, h.alice.id, '', { Range: 'bytes=0-1,5-6' });
      expect(whole.response.status).toBe(200);
      expect(whole.bytes.equals(bytes)).toBe(true);
      expect(whole.response.headers.get('accept-ranges')).toBe('bytes');
    });
  });

  describe('lifetime', () => {
    it('sweeps uploads left unattached for 24 hours, bytes and all, and keeps sent ones', async () => {
      const loose = await uploaded(await photoJpeg(64, 64), 'loose.jpg');
      const sent = await uploaded(Buffer.from('sent'), 'sent.txt');
      await sendWith(sent.id);
      expect(await filesUnder(h.blobDir)).toHaveLength(3);

      h.now.ms += UPLOAD_LIMITS.unattachedTtlMs - 1;
      expect(await h.uploads.sweep()).toBe(0);
      h.now.ms += 2;
      expect(await h.uploads.sweep()).toBe(1);

      expect(await h.store.attachments.findById(loose.id)).toBeNull();
      expect(await filesUnder(h.blobDir)).toHaveLength(1);
      expect((await download(sent.id, h.bob.id)).bytes.toString()).toBe('sent');
      expect(await h.uploads.sweep()).toBe(0);
    });

    it('erases the stored bytes of a message deleted for everyone', async () => {
      const image = await uploaded(await photoJpeg(64, 64), 'gone.jpg');
      const message = await sendWith(image.id);
      expect(await h.uploads.eraseForMessage(message.id)).toBe(1);
      expect(await filesUnder(h.blobDir)).toEqual([]);
      expect((await download(image.id, h.alice.id)).response.status).toBe(404);
    });
  });
});

describe('uploads under load', () => {
  afterAll(async () => {
    await h.close();
  });

  it('refuses an image with 429 when every slot and place in line is taken', async () => {
    h = await harness({
      images: new ImageProcessor({
        quality: 80,
        thumbnailQuality: 70,
        maxInputPixels: 120_000_000,
        concurrency: 1,
        waitingMax: 1,
      }),
    });
    const photo = await photoJpeg(2400, 1800);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => upload(photo, `burst-${i}.jpg`)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toContain(201);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 201 || s === 429)).toBe(true);
    const refused = results.find((r) => r.status === 429);
    expect(refused?.body).toMatchObject({ error: { code: 'rate_limited' } });
    // Once the burst is over, uploads are accepted again.
    expect((await upload(photo, 'later.jpg')).status).toBe(201);
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });
});

describe('an image process that dies', () => {
  afterAll(async () => {
    await h.close();
  });

  it('fails the upload it held with a clear 503, keeps nothing, and the next upload is compressed', async () => {
    h = await harness({
      images: new ImageProcessor({
        quality: 80,
        thumbnailQuality: 70,
        maxInputPixels: 120_000_000,
        concurrency: 1,
        waitingMax: 4,
      }),
    });
    const images = h.uploads.images;
    const held = upload(await photoJpeg(4000, 3000), 'held.jpg');
    await waitUntil(() =>
      Promise.resolve(images.load.running === 1 && images.processIds.length === 1),
    );
    const [pid] = images.processIds;
    process.kill(pid ?? 0, 'SIGKILL');
    const failed = await held;
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: { code: 'unavailable' } });
    expect(await filesUnder(h.blobDir)).toEqual([]);
    expect(await filesUnder(h.spoolDir)).toEqual([]);

    const next = await uploaded(await photoJpeg(800, 600), 'next.jpg');
    expect(next).toMatchObject({ contentType: 'image/webp', width: 800, height: 600 });
    expect(images.processIds).toHaveLength(1);
    expect(images.processIds[0]).not.toBe(pid);
    // Images at nice 10 wait for spare CPU: a busy test machine makes this slow, not wrong.
  }, 90_000);
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
