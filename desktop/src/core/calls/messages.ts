import { LIMITS, type Message } from '@chat/protocol';
import type { CoreHandlers } from '../../shared/bridge';
import { UploadCancel } from '../api-client';
import { clientError, isTransient } from '../errors';
import type { OutboxChange } from '../storage/outbox';
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
  /**
   * Applies a change now when nothing of the conversation waits and the client is
   * connected; else (or when the network fails on the way) keeps it in the outbox. Answers
   * the server's changed message when it is known now.
   */
  const changeNowOrLater = async (
    conversationId: string,
    change: OutboxChange,
    now: () => Promise<Message | null>,
  ): Promise<Message | null> => {
    if (!state.has(conversationId)) throw clientError('not_found', 'No such conversation.');
    if (connection.connected() && !outbox.holdsUp(conversationId)) {
      try {
        return await now();
      } catch (err) {
        if (!isTransient(err)) throw err;
      }
    }
    await outbox.enqueueChange(conversationId, change, new Date(clock.now()));
    return null;
  };

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
    // Online with nothing of the conversation waiting: the change is sent at once (socket,
    // else REST) and a refusal is the call's answer. Otherwise (offline, unsent messages
    // before it, or the network failing now) it waits in the outbox and shows at once,
    // marked pending (version 3). The state follows the server's `message:updated`, highest
    // rev winning.
    editMessage: (args) =>
      attempt(args, async ({ conversationId, seq, body }) => {
        requireSession(session);
        const message = await changeNowOrLater(conversationId, { kind: 'edit', seq, body }, () =>
          connection.editMessage(conversationId, seq, body),
        );
        if (message !== null) state.applyUpdate(message);
        const held = state.heldBySeq(conversationId, seq);
        if (held === null) throw clientError('internal', 'The edit was stored but is not shown.');
        return held;
      }),

    deleteMessage: (args) =>
      attempt(args, async ({ conversationId, seq }) => {
        requireSession(session);
        await changeNowOrLater(conversationId, { kind: 'delete', seq }, async () => {
          await connection.deleteMessage(conversationId, seq);
          return null;
        });
        return null;
      }),

    react: (args) =>
      attempt(args, async ({ conversationId, seq, emoji, on }) => {
        requireSession(session);
        await changeNowOrLater(conversationId, { kind: 'react', seq, emoji, on }, async () => {
          await connection.react(conversationId, seq, emoji, on);
          return null;
        });
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
