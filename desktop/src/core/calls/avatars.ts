import type { CoreHandlers } from '../../shared/bridge';
import { clientError } from '../errors';
import { attempt, requireSession, type CoreContext } from './context';

/** Avatars: showing them (bytes fetched with the token), setting one's own and a group's. */
export function avatarCalls({
  api,
  state,
  session,
}: CoreContext): Pick<CoreHandlers, 'avatarBytes' | 'setMyAvatar' | 'setGroupAvatar'> {
  return {
    avatarBytes: (args) =>
      attempt(args, async (owner) => {
        requireSession(session);
        return api.avatarBytes(owner);
      }),

    setMyAvatar: (args) =>
      attempt(args, async ({ attachmentId }) => {
        requireSession(session);
        const user = await api.setMyAvatar(attachmentId);
        session.updateUser(user);
        const info = session.info();
        if (info === null) throw clientError('unauthorized', 'Signed out meanwhile.');
        return info;
      }),

    setGroupAvatar: (args) =>
      attempt(args, async ({ conversationId, attachmentId }) => {
        requireSession(session);
        const conversation = await api.setGroupAvatar(conversationId, attachmentId);
        return state.upsertConversation(conversation);
      }),
  };
}
