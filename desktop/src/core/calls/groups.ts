import type { CoreHandlers, ConversationView } from '../../shared/bridge';
import type { Conversation } from '@chat/protocol';
import { clientError } from '../errors';
import { attempt, requireSession, type CoreContext } from './context';

/**
 * Group management and the caller's notification level (version 2). Each change is made
 * over REST and taken in from the answer at once; the server's `conversation:updated`
 * brings the same to the caller's other devices and to the other members.
 */
export function groupCalls({
  api,
  state,
  session,
}: CoreContext): Pick<
  CoreHandlers,
  'renameGroup' | 'addMembers' | 'removeMember' | 'setAdmin' | 'setNotificationLevel'
> {
  /** The answer's conversation, as the state holds it now. */
  function taken(conversation: Conversation): ConversationView {
    const view = state.upsertConversation(conversation);
    return state.conversationView(conversation.id) ?? view;
  }

  function requireHeld(conversationId: string): void {
    requireSession(session);
    if (!state.has(conversationId)) throw clientError('not_found', 'No such conversation.');
  }

  return {
    renameGroup: (args) =>
      attempt(args, async ({ conversationId, title }) => {
        requireHeld(conversationId);
        return taken(await api.renameGroup(conversationId, title));
      }),

    addMembers: (args) =>
      attempt(args, async ({ conversationId, userIds }) => {
        requireHeld(conversationId);
        return taken(await api.addMembers(conversationId, userIds));
      }),

    removeMember: (args) =>
      attempt(args, async ({ conversationId, userId }) => {
        requireHeld(conversationId);
        await api.removeMember(conversationId, userId);
        // Leaving: the server tells this user's sockets too, but this window need not wait.
        if (userId === session.userId()) state.removeConversation(conversationId);
        return null;
      }),

    setAdmin: (args) =>
      attempt(args, async ({ conversationId, userId, admin }) => {
        requireHeld(conversationId);
        return taken(await api.setMemberAdmin(conversationId, userId, admin));
      }),

    setNotificationLevel: (args) =>
      attempt(args, async ({ conversationId, level }) => {
        requireHeld(conversationId);
        await api.setNotifications(conversationId, level);
        state.setNotificationLevel(conversationId, level);
        const view = state.conversationView(conversationId);
        if (view === null) throw clientError('not_found', 'No such conversation.');
        return view;
      }),
  };
}
