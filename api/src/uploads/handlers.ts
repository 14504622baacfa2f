import type { AppContext } from '../http/context';
import { toAttachment, type UploadService, type Variant } from './service';

/**
 * The route bodies, for the REST table to mount once it exists:
 *   POST /api/uploads                     → respondUpload
 *   GET  /api/attachments/:id             → respondDownload(…, variant 'original')
 *   GET  /api/attachments/:id/thumbnail   → respondDownload(…, variant 'thumbnail')
 * behind requireAuth, with the caller's user id. Errors are thrown as ApiError for the
 * error middleware.
 */
export async function respondUpload(
  ctx: AppContext,
  uploads: UploadService,
  userId: string,
): Promise<void> {
  try {
    const record = await uploads.receive(ctx.req, userId);
    ctx.status = 201;
    ctx.body = toAttachment(record);
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
): Promise<void> {
  const range = ctx.get('Range');
  const download = await uploads.download(
    request.attachmentId,
    request.userId,
    request.variant,
    range === '' ? undefined : range,
  );
  ctx.status = download.status;
  ctx.set(download.headers);
  ctx.body = download.body ?? '';
}
