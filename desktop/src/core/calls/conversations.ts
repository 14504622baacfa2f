import type { Message } from '@chat/protocol';
import type { CoreHandlers, HistoryPage } from '../../shared/bridge';
import type { ApiClient } from '../api-client';
import { attempt, isOffline, requireSession, type CoreContext } from './context';

const DEFAULT_PAGE = 50;

/** People, conversations, history, and catching up on demand. */
export function conversationCalls(
  ctx: CoreContext,
): Pick<
  CoreHandlers,
  | 'searchUsers'
  | 'searchMessages'
  | 'getPeople'
  | 'openDirect'
  | 'createGroup'
  | 'listConversations'
  | 'loadHistory'
  | 'catchUp'
> {
  const { state, session, api, connection } = ctx;

  async function requireConversation(conversationId: string): Promise<void> {
    if (state.has(conversationId)) return;
    state.upsertConversation(await api.getConversation(conversationId));
    ctx.showUnsent();
  }

  async function openConversation(request: Parameters<ApiClient['createConversation']>[0]) {
    const conversation = await api.createConversation(request);
    const view = state.upsertConversation(conversation);
    // Best effort: its messages also arrive with the next catch-up.
    await connection.syncConversation(conversation).catch(() => undefined);
    return state.conversationView(conversation.id) ?? view;
  }

  return {
    searchUsers: (args) => attempt(args, ({ q, limit }) => api.searchUsers(q, limit)),

    searchMessages: (args) =>
      attempt(args, (query) => {
        requireSession(session);
        return api.searchMessages(query);
      }),

    getPeople: (args) =>
      attempt(args, ({ userIds }) =>
        Promise.all([...new Set(userIds)].map((id) => api.getUser(id))),
      ),

    openDirect: (args) =>
      attempt(args, ({ userId }) => openConversation({ type: 'direct', userId })),

    createGroup: (args) =>
      attempt(args, ({ title, memberIds }) =>
        openConversation({ type: 'group', title, memberIds }),
      ),

    listConversations: () =>
      attempt(undefined, async () => {
        requireSession(session);
        try {
          for (const conversation of await api.listConversations()) {
            state.upsertConversation(conversation);
          }
          ctx.showUnsent();
        } catch (err) {
          // Offline: what is held is the best answer; anything else is an error.
          if (!isOffline(err)) throw err;
        }
        return state.listConversations();
      }),

    loadHistory: (args) =>
      attempt(args, async ({ conversationId, beforeSeq, limit }): Promise<HistoryPage> => {
        const size = limit ?? DEFAULT_PAGE;
        let fetched: Message[] | null = null;
        try {
          await requireConversation(conversationId);
          fetched = await api.history(conversationId, { limit: size, before: beforeSeq });
          state.accept(
            fetched,
            beforeSeq === undefined
              ? { conversationId, newest: fetched.at(-1)?.seq ?? 0 }
              : undefined,
          );
        } catch (err) {
          if (!isOffline(err) || !state.has(conversationId)) throw err;
        }
        const messages = state.heldMessages(conversationId, beforeSeq, size);
        const oldest = messages.find((m) => m.seq !== null)?.seq ?? null;
        const hasMore =
          fetched !== null
            ? fetched.length === size && (fetched[0]?.seq ?? 1) > 1
            : oldest === null || oldest > 1;
        return { messages, hasMore };
      }),

    catchUp: () =>
      attempt(undefined, async () => {
        requireSession(session);
        if (connection.connected()) await connection.catchUp();
        else connection.reconnectNow();
        return null;
      }),
  };
}
