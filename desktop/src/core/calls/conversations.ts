import type { Message } from '@chat/protocol';
import type { CoreHandlers, HistoryPage, LocalMessage } from '../../shared/bridge';
import type { ApiClient } from '../api-client';
import { attempt, isOffline, requireSession, type CoreContext } from './context';

const DEFAULT_PAGE = 50;

/**
 * Offline, the held messages that reach down from `beforeSeq` without a hole: messages held
 * further back (a window opened around a quoted or found message) must not follow as if
 * the ones between were known.
 */
function runBefore(messages: LocalMessage[], beforeSeq: number): LocalMessage[] {
  let expected = beforeSeq - 1;
  let at = messages.length;
  while (at > 0 && messages[at - 1]?.seq === expected) {
    at--;
    expected--;
  }
  return messages.slice(at);
}

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
  | 'loadNewer'
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
        let messages = state.heldMessages(conversationId, beforeSeq, size);
        if (fetched === null && beforeSeq !== undefined) messages = runBefore(messages, beforeSeq);
        const oldest = messages.find((m) => m.seq !== null)?.seq ?? null;
        const hasMore =
          fetched !== null
            ? fetched.length === size && (fetched[0]?.seq ?? 1) > 1
            : oldest === null || oldest > 1;
        return { messages, hasMore };
      }),

    loadNewer: (args) =>
      attempt(args, async ({ conversationId, afterSeq, limit }): Promise<HistoryPage> => {
        requireSession(session);
        await requireConversation(conversationId);
        const size = limit ?? DEFAULT_PAGE;
        const fetched = await api.history(conversationId, { limit: size, after: afterSeq });
        // No page bound: the synced watermark moves only as far as what is held is
        // contiguous, so catch-up still resumes after the last seq of the live tail.
        state.accept(fetched);
        const messages = fetched.flatMap((m) => {
          const held = state.heldBySeq(conversationId, m.seq);
          return held ? [held] : [];
        });
        return { messages, hasMore: fetched.length === size };
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
