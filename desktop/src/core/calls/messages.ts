import type { CoreHandlers } from '../../shared/bridge';
import { clientError } from '../errors';
import { attempt, requireSession, type CoreContext } from './context';

/** Writing (through the outbox), retrying and discarding messages; reading; typing. */
export function messageCalls({
  state,
  session,
  api,
  outbox,
  connection,
  clock,
}: CoreContext): Pick<
  CoreHandlers,
  | 'sendMessage'
  | 'retryMessage'
  | 'discardMessage'
  | 'markRead'
  | 'setTyping'
  | 'uploadFile'
  | 'attachmentBytes'
> {
  return {
    sendMessage: (args) =>
      attempt(args, async (sent) => {
        const { conversationId, body } = sent;
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
      attempt(args, async ({ name, bytes }) => {
        requireSession(session);
        return api.uploadFile({ name, bytes });
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

    setTyping: (args) =>
      attempt(args, async ({ conversationId, typing }) => {
        await connection.sendTyping(conversationId, typing).catch(() => undefined);
        return null;
      }),
  };
}
