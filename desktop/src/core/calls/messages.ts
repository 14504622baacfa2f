import { LIMITS } from '@chat/protocol';
import type { CoreHandlers } from '../../shared/bridge';
import { UploadCancel } from '../api-client';
import { clientError } from '../errors';
import { attempt, requireSession, type CoreContext } from './context';

/** Writing (through the outbox), retrying and discarding messages; reading; typing. */
export function messageCalls({
  api,
  state,
  session,
  outbox,
  connection,
  clock,
  emit,
}: CoreContext): Pick<
  CoreHandlers,
  | 'sendMessage'
  | 'retryMessage'
  | 'discardMessage'
  | 'markRead'
  | 'setTyping'
  | 'editMessage'
  | 'deleteMessage'
  | 'react'
  | 'loadAround'
  | 'uploadFile'
  | 'cancelUpload'
  | 'attachmentBytes'
> {
  /** Uploads under way that were given an id, so they can be cancelled. */
  const uploads = new Map<string, UploadCancel>();
  return {
    sendMessage: (args) =>
      attempt(args, async (sent) => {
        const { conversationId, body } = sent;
        const replyToSeq = 'replyToSeq' in sent ? sent.replyToSeq : undefined;
        requireSession(session);
        if (!state.has(conversationId)) {
          throw clientError('not_found', 'No such conversation.');
        }
        // The files are on the server already (uploadFile); the outbox keeps their ids, so
        // a send interrupted by a lost connection goes out with them once.
        const attachments = 'attachments' in sent ? sent.attachments : [];
        const entry = await outbox.enqueue(
          conversationId,
          body,
          new Date(clock.now()),
          replyToSeq,
          attachments,
        );
        const message = state
          .heldMessages(conversationId, undefined, 0)
          .find((m) => m.clientId === entry.clientId);
        if (message === undefined)
          throw clientError('internal', 'The message was queued but is not shown.');
        return { clientId: entry.clientId, message };
      }),

    uploadFile: (args) =>
      attempt(args, async ({ name, bytes, uploadId }) => {
        requireSession(session);
        if (uploadId === undefined) return api.uploadFile({ name, bytes });
        const cancel = new UploadCancel();
        uploads.get(uploadId)?.cancel();
        uploads.set(uploadId, cancel);
        try {
          return await api.uploadFile(
            { name, bytes },
            {
              cancel,
              onProgress: (sent, total) => emit({ type: 'upload-progress', uploadId, sent, total }),
            },
          );
        } finally {
          if (uploads.get(uploadId) === cancel) uploads.delete(uploadId);
        }
      }),

    cancelUpload: (args) =>
      attempt(args, ({ uploadId }) => {
        uploads.get(uploadId)?.cancel();
        uploads.delete(uploadId);
        return Promise.resolve(null);
      }),

    attachmentBytes: (args) =>
      attempt(args, async ({ attachmentId, thumbnail }) => {
        requireSession(session);
        return api.attachmentBytes(attachmentId, thumbnail);
      }),

    retryMessage: (args) =>
      attempt(args, async ({ clientId }) => {
        await outbox.retry(clientId);
        return null;
      }),

    discardMessage: (args) =>
      attempt(args, async ({ clientId }) => {
        await outbox.discard(clientId);
        return null;
      }),

    markRead: (args) =>
      attempt(args, async ({ conversationId, seq }) => {
        if (state.markRead(conversationId, seq)) await connection.sendRead(conversationId, seq);
        return null;
      }),

    // ---- message lifecycle (version 2) ----
    // Online only for now: the change is sent at once (socket, else REST) and the state
    // follows the server's `message:updated` (or the edit's answer), highest rev winning.
    editMessage: (args) =>
      attempt(args, async ({ conversationId, seq, body }) => {
        requireSession(session);
        const message = await connection.editMessage(conversationId, seq, body);
        state.applyUpdate(message);
        const held = state.heldBySeq(conversationId, seq);
        if (held === null) throw clientError('internal', 'The edit was stored but is not shown.');
        return held;
      }),

    deleteMessage: (args) =>
      attempt(args, async ({ conversationId, seq }) => {
        requireSession(session);
        await connection.deleteMessage(conversationId, seq);
        return null;
      }),

    react: (args) =>
      attempt(args, async ({ conversationId, seq, emoji, on }) => {
        requireSession(session);
        await connection.react(conversationId, seq, emoji, on);
        return null;
      }),

    loadAround: (args) =>
      attempt(args, async ({ conversationId, seq, limit }) => {
        requireSession(session);
        const page = await api.history(conversationId, {
          around: seq,
          limit: limit ?? LIMITS.historyLimitDefault,
        });
        state.mergeMessages(page);
        return page.flatMap((m) => {
          const held = state.heldBySeq(conversationId, m.seq);
          return held ? [held] : [];
        });
      }),

    setTyping: (args) =>
      attempt(args, async ({ conversationId, typing }) => {
        await connection.sendTyping(conversationId, typing).catch(() => undefined);
        return null;
      }),
  };
}
