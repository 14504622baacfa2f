import type { Attachment } from '@chat/protocol';
import type { AppContext } from '../http/context';
import { toAttachment, type Download, type UploadService, type Variant } from './service';

/**
 * The route bodies the REST table's handlers (routes.ts) call:
 *   POST /api/uploads                     → respondUpload
 *   GET  /api/attachments/:id             → respondDownload(…, variant 'original')
 *   GET  /api/attachments/:id/thumbnail   → respondDownload(…, variant 'thumbnail')
 * with the caller's user id. Errors are thrown as ApiError for the error middleware.
 */
export async function respondUpload(
  ctx: AppContext,
  uploads: UploadService,
  userId: string,
): Promise<Attachment> {
  try {
    const record = await uploads.receive(ctx.req, userId);
    return toAttachment(record);
  } catch (err) {
    // The rest of the body was not read (too large, malformed, busy): end the connection
    // after the answer instead of reading and discarding up to gigabytes.
    if (!ctx.req.complete) ctx.set('Connection', 'close');
    throw err;
  }
}

export async function respondDownload(
  ctx: AppContext,
  uploads: UploadService,
  request: { userId: string; attachmentId: string; variant: Variant },
): Promise<Download> {
  const range = ctx.get('Range');
  const download = await uploads.download(
    request.attachmentId,
    request.userId,
    request.variant,
    range === '' ? undefined : range,
  );
  // The headers go on ctx; the route table's router sets the status and the body.
  ctx.set(download.headers);
  return download;
}
