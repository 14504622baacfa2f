import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { UPLOAD_LIMITS, type Attachment } from '@chat/protocol';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { ApiError } from '../http/errors';
import type { AttachmentRecord, AttachmentStore, ConversationStore } from '../store/types';
import {
  DEFAULT_IMAGE_SETTINGS,
  ImageProcessor,
  UnsupportedImage,
  type ProcessedImage,
} from './images';
import { receiveFile } from './multipart';
import { parseRange } from './range';
import { sniff } from './sniff';
import type { BlobStorage } from './storage';

export interface UploadServiceDeps {
  attachments: AttachmentStore;
  conversations: Pick<ConversationStore, 'findById'>;
  blobs: BlobStorage;
  images?: ImageProcessor;
  clock?: Clock;
  /** UPLOAD_MAX_BYTES */
  maxBytes: number;
  /** Where request bodies are spooled while they are checked; the OS temp folder by default. */
  tmpDir?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** What a download answers: status, headers and, unless 416, the bytes. */
export interface Download {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  body: Readable | null;
}

export type Variant = 'original' | 'thumbnail';

/** Content types this server produced itself and may show inline (never SVG or HTML). */
const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/webp',
  'image/jpeg',
  'image/png',
  'image/gif',
]);

/** The contract's view of an attachment. */
export function toAttachment(record: AttachmentRecord): Attachment {
  return {
    id: record.id,
    name: record.name,
    contentType: record.contentType,
    size: record.size,
    width: record.width,
    height: record.height,
    thumbnail: record.thumbnailKey !== null,
  };
}

/**
 * Uploads end to end, without routes: receive a multipart request into a stored
 * attachment, answer a download for a caller, sweep uploads nobody attached, erase the
 * bytes of deleted messages. Routes call these and only translate.
 */
export class UploadService {
  private readonly attachments: AttachmentStore;
  private readonly conversations: Pick<ConversationStore, 'findById'>;
  private readonly blobs: BlobStorage;
  readonly images: ImageProcessor;
  private readonly clock: Clock;
  private readonly maxBytes: number;
  private readonly tmpDir: string;
  private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined;

  constructor(deps: UploadServiceDeps) {
    this.attachments = deps.attachments;
    this.conversations = deps.conversations;
    this.blobs = deps.blobs;
    this.images = deps.images ?? new ImageProcessor(DEFAULT_IMAGE_SETTINGS, deps.logger);
    this.clock = deps.clock ?? systemClock;
    this.maxBytes = deps.maxBytes;
    this.tmpDir = deps.tmpDir ?? join(tmpdir(), 'chat-uploads');
    this.logger = deps.logger;
  }

  /**
   * `POST /api/uploads`: reads the request's `file` part (see multipart.ts), decides its
   * type from the bytes, compresses images, stores the bytes and then the record.
   * Nothing is kept when any step fails.
   */
  async receive(req: IncomingMessage, uploaderId: string): Promise<AttachmentRecord> {
    // A server already full of images says so before reading 25 MiB it would refuse.
    this.images.checkCapacity();
    const file = await receiveFile(req, { maxBytes: this.maxBytes, tmpDir: this.tmpDir });
    try {
      if (file.size === 0) throw new ApiError('invalid_request', 'The file is empty.');
      const sniffed = await sniff(file.path);
      let image: ProcessedImage | null = null;
      if (sniffed.kind === 'image') {
        try {
          image = await this.images.process(file.path);
        } catch (err) {
          if (!(err instanceof UnsupportedImage)) throw err;
          // HEIC needs a codec this build of libvips may lack: kept as a plain download.
          // Any other image whose header cannot be read is damaged.
          if (sniffed.contentType !== 'image/heic') {
            throw new ApiError('invalid_request', 'The image is damaged or incomplete.');
          }
        }
      }
      const key = storageKey();
      const thumbnailKey = image ? `${key}-thumbnail` : null;
      try {
        if (image && thumbnailKey) {
          await this.blobs.put(key, image.data, image.contentType);
          await this.blobs.put(thumbnailKey, image.thumbnail, image.thumbnailContentType);
        } else {
          await this.blobs.put(
            key,
            { stream: createReadStream(file.path), size: file.size },
            sniffed.contentType,
          );
        }
        return await this.attachments.create({
          uploaderId,
          name: image ? withExtension(file.name, 'webp') : file.name,
          contentType: image ? image.contentType : sniffed.contentType,
          size: image ? image.data.length : file.size,
          width: image ? image.width : null,
          height: image ? image.height : null,
          storageKey: key,
          thumbnailKey,
          thumbnailContentType: image ? image.thumbnailContentType : null,
          createdAt: new Date(this.clock()),
        });
      } catch (err) {
        await this.eraseKeys([key, thumbnailKey]);
        throw err;
      }
    } finally {
      await file.discard();
    }
  }

  /**
   * Who may read an attachment: its uploader, and the members of the conversation it was
   * sent in. Anyone else (and any id that names nothing) gets the same 404.
   */
  async readable(id: string, viewerId: string): Promise<AttachmentRecord> {
    const record = await this.attachments.findById(id);
    if (!record) throw notFound();
    if (record.uploaderId === viewerId) return record;
    if (record.use?.kind === 'message') {
      const conversation = await this.conversations.findById(record.use.conversationId);
      if (conversation?.memberIds.includes(viewerId)) return record;
    }
    throw notFound();
  }

  /**
   * `GET /api/attachments/:id` and `…/thumbnail`: the bytes with the contract's headers,
   * honouring one `Range`. Access as in `readable`.
   */
  async download(
    id: string,
    viewerId: string,
    variant: Variant,
    rangeHeader?: string,
  ): Promise<Download> {
    return this.serve(await this.readable(id, viewerId), variant, rangeHeader);
  }

  /** The bytes of a record the caller has already been allowed to read (avatars). */
  async serve(record: AttachmentRecord, variant: Variant, rangeHeader?: string): Promise<Download> {
    const thumbnail = variant === 'thumbnail';
    const key = thumbnail ? record.thumbnailKey : record.storageKey;
    const contentType = thumbnail ? record.thumbnailContentType : record.contentType;
    if (key === null || contentType === null) throw notFound();
    const size = thumbnail ? null : record.size;
    const headers = baseHeaders(record, contentType);

    if (size !== null) {
      const range = parseRange(rangeHeader, size);
      if (range === 'unsatisfiable') {
        return {
          status: 416,
          headers: { ...headers, 'Content-Range': `bytes */${size}` },
          body: null,
        };
      }
      if (range) {
        const body = await this.blobs.get(key, range);
        if (!body) throw notFound();
        return {
          status: 206,
          headers: {
            ...headers,
            'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
            'Content-Length': String(range.end - range.start + 1),
          },
          body,
        };
      }
      headers['Content-Length'] = String(size);
    }
    const body = await this.blobs.get(key);
    if (!body) throw notFound();
    return { status: 200, headers, body };
  }

  /**
   * Deletes uploads that are still loose `UPLOAD_LIMITS.unattachedTtlMs` after they were
   * made: the record first (only if still loose, so a send that attached it meanwhile
   * wins), then the bytes. Resolves with how many were deleted.
   */
  async sweep(batch = 100): Promise<number> {
    const before = new Date(this.clock() - UPLOAD_LIMITS.unattachedTtlMs);
    let swept = 0;
    for (;;) {
      const due = await this.attachments.listLooseBefore(before, batch);
      for (const record of due) {
        if (await this.attachments.deleteLoose(record.id)) {
          await this.eraseKeys([record.storageKey, record.thumbnailKey]);
          swept++;
        }
      }
      if (due.length < batch) return swept;
    }
  }

  /** Runs `sweep` every `intervalMs` until the returned function is called. */
  startSweeper(intervalMs = 60 * 60 * 1000): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.sweep()
        .catch((err: unknown) => this.logger?.warn({ err }, 'sweeping unattached uploads failed'))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Delete for everyone: the message's attachment records and their stored bytes. */
  async eraseForMessage(messageId: string): Promise<number> {
    const removed = await this.attachments.deleteForMessage(messageId);
    for (const record of removed) {
      await this.eraseKeys([record.storageKey, record.thumbnailKey]);
    }
    return removed.length;
  }

  /** Removes an upload whatever its use (a replaced avatar): the record, then its bytes. */
  async erase(id: string): Promise<void> {
    const record = await this.attachments.findById(id);
    if (!record) return;
    if (await this.attachments.delete(id)) {
      await this.eraseKeys([record.storageKey, record.thumbnailKey]);
    }
  }

  private async eraseKeys(keys: readonly (string | null)[]): Promise<void> {
    for (const key of keys) {
      if (key === null) continue;
      try {
        await this.blobs.delete(key);
      } catch (err) {
        // The record is gone, so nobody can reach these bytes; log for a later cleanup.
        this.logger?.warn({ err, key }, 'could not erase stored upload bytes');
      }
    }
  }
}

function storageKey(): string {
  return randomUUID().replaceAll('-', '');
}

function notFound(): ApiError {
  return new ApiError('not_found');
}

function baseHeaders(record: AttachmentRecord, contentType: string): Record<string, string> {
  const inline = record.width !== null && INLINE_TYPES.has(contentType);
  return {
    'Content-Type': contentType,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private',
    // Even if a browser were made to render it, the document may run nothing and load nothing.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Accept-Ranges': 'bytes',
    'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', record.name),
  };
}

/** RFC 6266: an ASCII fallback and the exact name in RFC 8187 encoding. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** `photo.jpg` → `photo.webp`: the name of a re-encoded image says what it now is. */
export function withExtension(name: string, extension: string): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${stem}.${extension}`;
}
