import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A byte range, both ends included (as in `Content-Range`). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Bytes to store: in memory, or a stream whose length is known (object stores want it). */
export type BlobSource = Buffer | { stream: Readable; size: number };

/**
 * Where uploaded bytes live. Records (who uploaded what, what it is) are in the Store;
 * this only keeps bytes under keys the upload service makes. Two adapters: the local
 * folder (one instance, SQLite) and an S3-compatible bucket (several instances).
 */
export interface BlobStorage {
  /** Stores the bytes under `key` (keys are new each time); resolves once durable. */
  put(key: string, bytes: BlobSource, contentType: string): Promise<void>;
  /** The bytes (or the range of them); null when nothing is stored under `key`. */
  get(key: string, range?: ByteRange): Promise<Readable | null>;
  /** Erases the bytes; a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Keys are made by the service; anything else is refused so no key can name a path. */
export const STORAGE_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{7,127}$/;

export function checkKey(key: string): string {
  if (!STORAGE_KEY.test(key)) throw new TypeError(`not a storage key: ${JSON.stringify(key)}`);
  return key;
}

/**
 * Files in a folder, spread over 256 sub-folders by the key's first two characters so
 * no folder grows huge. A file is written beside its final name and renamed when
 * complete and synced, so a crash never leaves half a file under a key.
 */
export function localBlobStorage(root: string): BlobStorage {
  const pathOf = (key: string) => join(root, checkKey(key).slice(0, 2).toLowerCase(), key);
  return {
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const partial = `${path}.${randomUUID()}.part`;
      const out = createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true });
      try {
        await pipeline(Buffer.isBuffer(bytes) ? Readable.from([bytes]) : bytes.stream, out);
        await rename(partial, path);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    },
    async get(key, range) {
      const path = pathOf(key);
      try {
        await stat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      return createReadStream(path, range ? { start: range.start, end: range.end } : {});
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
