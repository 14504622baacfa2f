import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { ApiError } from '../http/errors';

/** The one file of an upload request, spooled to a temporary file. */
export interface ReceivedFile {
  /** The temporary file; the caller removes it with `discard`. */
  path: string;
  size: number;
  /** The file name the client gave, cleaned (see `cleanFileName`). */
  name: string;
  discard(): Promise<void>;
}

export interface ReceiveOptions {
  maxBytes: number;
  /** Where the file is spooled while it is read. */
  tmpDir: string;
}

/** Headers, boundaries and a few text fields on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
export const FILE_FIELD = 'file';

/**
 * Reads a `multipart/form-data` request whose one file part is named `file` and spools
 * that file to disk as it arrives: at no time is more than a stream buffer of it in
 * memory. Past `maxBytes` it stops reading, removes what it wrote and throws 413; the
 * caller should then close the connection (`Connection: close`) rather than drain the
 * rest. Anything malformed is a 400. Other text fields are ignored.
 */
export async function receiveFile(
  req: IncomingMessage,
  { maxBytes, tmpDir }: ReceiveOptions,
): Promise<ReceivedFile> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;.*boundary=/i.test(contentType)) {
    throw new ApiError(
      'invalid_request',
      'An upload is a multipart/form-data body with one part named "file".',
    );
  }
  const declared = Number(req.headers['content-length']);
  // A body announced as too large is refused before one byte of it is read.
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    throw tooLarge(maxBytes);
  }

  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const path = join(tmpDir, `upload-${randomUUID()}.part`);
  const discard = () => rm(path, { force: true });

  let parser;
  try {
    parser = Busboy({
      headers: { ...req.headers, 'content-type': contentType },
      limits: {
        files: 1,
        fileSize: maxBytes,
        fields: 10,
        fieldSize: 1024,
        parts: 12,
        headerPairs: 20,
      },
    });
  } catch {
    throw new ApiError('invalid_request', 'The multipart body could not be read.');
  }

  // The spooling of the file part, settled once its write stream is closed.
  let spooling: Promise<unknown> = Promise.resolve();
  try {
    const received = await new Promise<{ size: number; name: string }>((resolve, reject) => {
      let written: Promise<{ size: number; name: string } | null> | null = null;
      let part: {
        stream: BusboyFileStream;
        out: NodeJS.WritableStream & { destroy(): void };
      } | null = null;
      let failed = false;
      const fail = (error: ApiError) => {
        if (failed) return;
        failed = true;
        // Stop reading: nothing more of this body is wanted, and nothing of it is kept.
        req.unpipe(parser);
        req.pause();
        part?.stream.destroy();
        part?.out.destroy();
        reject(error);
      };

      parser.on('file', (field: string, stream: BusboyFileStream, filename: string) => {
        if (field !== FILE_FIELD || written !== null) {
          stream.resume();
          fail(new ApiError('invalid_request', 'Send exactly one file, in a part named "file".'));
          return;
        }
        stream.once('limit', () => fail(tooLarge(maxBytes)));
        const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
        part = { stream, out };
        const done = pipeline(stream, out);
        spooling = done.catch(() => undefined);
        written = done.then(
          () =>
            stream.truncated ? null : { size: stream.bytesRead, name: cleanFileName(filename) },
          (err: unknown) => {
            fail(malformed(err));
            return null;
          },
        );
      });
      parser.on('filesLimit', () =>
        fail(new ApiError('invalid_request', 'Send exactly one file, in a part named "file".')),
      );
      parser.on('partsLimit', () =>
        fail(new ApiError('invalid_request', 'The multipart body has too many parts.')),
      );
      parser.on('error', (err: unknown) => fail(malformed(err)));
      parser.on('finish', () => {
        if (written === null) {
          fail(new ApiError('invalid_request', 'The body has no part named "file".'));
          return;
        }
        void written.then((result) => {
          if (result && !failed) resolve(result);
        });
      });
      // A client that goes away mid-body leaves a part that never ends.
      req.once('close', () => {
        if (!req.complete) fail(new ApiError('invalid_request', 'The upload was cut off.'));
      });
      req.once('error', () => fail(new ApiError('invalid_request', 'The upload was cut off.')));
      req.pipe(parser);
    });
    return { path, ...received, discard };
  } catch (err) {
    // Only once the write stream is closed can no byte land after the removal.
    await spooling;
    await discard();
    throw err;
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError('payload_too_large', `A file may be at most ${maxBytes} bytes.`);
}

function malformed(err: unknown): ApiError {
  return err instanceof ApiError
    ? err
    : new ApiError('invalid_request', 'The multipart body could not be read.');
}

const NAME_MAX = 255;

/**
 * The name kept for downloads: no folders, no control or bidi-override characters (they
 * disguise an extension), at most 255 characters; `file` when nothing is left.
 */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '').trim();
  // Cut between graphemes, so an emoji or an accented letter is never split.
  const graphemes = Array.from(new Intl.Segmenter().segment(cleaned), (s) => s.segment);
  const short = graphemes.slice(0, NAME_MAX).join('');
  return short === '' || short === '.' || short === '..' ? 'file' : short;
}
