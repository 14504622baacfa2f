import type { RouteHandlers } from '../http/route-table';
import type { SendLimiter } from '../messages/send-limiter';
import type { Avatars } from './avatars';
import { respondDownload, respondUpload } from './handlers';
import type { UploadService } from './service';

/** `POST /api/uploads` and `GET /api/attachments/:id[/thumbnail]`, from the route table. */
export function uploadsRoutes(
  uploads: UploadService,
  limiter: SendLimiter,
): RouteHandlers<'uploadFile' | 'downloadAttachment' | 'attachmentThumbnail'> {
  return {
    uploadFile: async ({ caller, ctx }) => {
      try {
        // Before a byte of the body is read, like the capacity check.
        await limiter.consume(caller.userId);
      } catch (err) {
        ctx.set('Connection', 'close');
        throw err;
      }
      const attachment = await respondUpload(ctx, uploads, caller.userId);
      return { status: 201, body: attachment };
    },

    downloadAttachment: async ({ params, caller, ctx }) => {
      const download = await respondDownload(ctx, uploads, {
        userId: caller.userId,
        attachmentId: params.id,
        variant: 'original',
      });
      return download.status === 416
        ? { status: 416 }
        : { status: download.status, body: download.body ?? Buffer.alloc(0) };
    },

    attachmentThumbnail: async ({ params, caller, ctx }) => {
      const download = await respondDownload(ctx, uploads, {
        userId: caller.userId,
        attachmentId: params.id,
        variant: 'thumbnail',
      });
      // No Range on thumbnails: the service reads them whole.
      return { status: 200, body: download.body ?? Buffer.alloc(0) };
    },
  };
}

/** `GET /api/users/:id/avatar` and `GET /api/conversations/:id/avatar`. */
export function avatarRoutes(avatars: Avatars): RouteHandlers<'userAvatar' | 'conversationAvatar'> {
  return {
    userAvatar: async ({ params, query, ctx }) => {
      const download = await avatars.ofUser(params.id, query.size);
      ctx.set(download.headers);
      return { status: 200, body: download.body ?? Buffer.alloc(0) };
    },
    conversationAvatar: async ({ params, query, caller, ctx }) => {
      const download = await avatars.ofConversation(params.id, caller.userId, query.size);
      ctx.set(download.headers);
      return { status: 200, body: download.body ?? Buffer.alloc(0) };
    },
  };
}
