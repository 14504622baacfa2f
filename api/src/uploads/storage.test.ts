import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3BlobStorage, type S3BlobStorage } from './s3-storage';
import { localBlobStorage, type BlobStorage } from './storage';

const key = () => randomUUID().replaceAll('-', '');

/** What every BlobStorage adapter must do; each adapter below runs it. */
function describeBlobStorage(name: string, storage: () => BlobStorage): void {
  describe(`blob storage: ${name}`, () => {
    it('stores bytes from memory and from a stream, and reads them back whole or in part', async () => {
      const blobs = storage();
      const a = key();
      const b = key();
      const bytes = Buffer.from('0123456789abcdefghij');
      await blobs.put(a, bytes, 'text/plain');
      const big = Buffer.alloc(3 * 1024 * 1024 + 7, 9);
      await blobs.put(
        b,
        { stream: Readable.from([big.subarray(0, 1000), big.subarray(1000)]), size: big.length },
        'application/octet-stream',
      );

      const whole = await blobs.get(a);
      expect(whole && (await buffer(whole)).toString()).toBe('0123456789abcdefghij');
      const part = await blobs.get(a, { start: 10, end: 14 });
      expect(part && (await buffer(part)).toString()).toBe('abcde');
      const streamed = await blobs.get(b);
      expect(streamed && (await buffer(streamed)).equals(big)).toBe(true);
    });

    it('answers a missing key with null and deletes idempotently', async () => {
      const blobs = storage();
      const a = key();
      expect(await blobs.get(a)).toBeNull();
      await blobs.put(a, Buffer.from('x'), 'text/plain');
      await blobs.delete(a);
      await blobs.delete(a);
      expect(await blobs.get(a)).toBeNull();
    });

    it.each(['../escape', 'a/b', '', 'short', 'x'.repeat(200), 'name with space'])(
      'refuses the key %j, so no key can name another path',
      async (bad) => {
        const blobs = storage();
        await expect(blobs.put(bad, Buffer.from('x'), 'text/plain')).rejects.toThrow(TypeError);
        await expect(blobs.get(bad)).rejects.toThrow(TypeError);
        await expect(blobs.delete(bad)).rejects.toThrow(TypeError);
      },
    );
  });
}

let localDir: string;
beforeAll(async () => {
  localDir = await mkdtemp(join(tmpdir(), 'chat-blobs-'));
});
afterAll(async () => {
  await rm(localDir, { recursive: true, force: true });
});

describeBlobStorage('local folder', () => localBlobStorage(localDir));

describe('local folder', () => {
  it('leaves no partial file behind when the source fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-blobs-'));
    try {
      const blobs = localBlobStorage(dir);
      const failing = new Readable({
        read() {
          this.destroy(new Error('client went away'));
        },
      });
      const k = key();
      await expect(blobs.put(k, { stream: failing, size: 10 }, 'text/plain')).rejects.toThrow(
        'client went away',
      );
      expect(await blobs.get(k)).toBeNull();
      const files = await readdir(dir, { recursive: true, withFileTypes: true });
      expect(files.filter((f) => f.isFile())).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// An S3-compatible server from the npm registry, started here; TEST_S3_ENDPOINT (with
// TEST_S3_BUCKET, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY) runs the same suite
// against a real one such as MinIO.
const external = process.env.TEST_S3_ENDPOINT;
let server: S3rver | null = null;
let serverDir: string | null = null;
let endpoint = external ?? '';
const bucket = process.env.TEST_S3_BUCKET ?? 'chat-test';
const opened: S3BlobStorage[] = [];

beforeAll(async () => {
  if (external) return;
  serverDir = await mkdtemp(join(tmpdir(), 'chat-s3-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: serverDir,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const blobs of opened) blobs.close();
  await server?.close();
  if (serverDir) await rm(serverDir, { recursive: true, force: true });
});

describeBlobStorage(external ? 'S3 (TEST_S3_ENDPOINT)' : 'S3 (s3rver)', () => {
  const blobs = s3BlobStorage({
    bucket,
    endpoint,
    region: 'us-east-1',
    credentials: {
      accessKeyId: process.env.TEST_S3_ACCESS_KEY_ID ?? 'S3RVER',
      secretAccessKey: process.env.TEST_S3_SECRET_ACCESS_KEY ?? 'S3RVER',
    },
    forcePathStyle: true,
    prefix: `test-${randomUUID().slice(0, 8)}/`,
  });
  opened.push(blobs);
  return blobs;
});
