import { LIMITS } from '@chat/protocol';
import { getAppStore } from '../store/store';

const PAGE = 50;
const OLDER_PAGE = 100;

/**
 * The latest page, big enough (up to the contract's maximum) to reach the first unread
 * message, so the "new messages" divider can be shown and scrolled to.
 */
export async function loadLatest(conversationId: string, unreadCount: number): Promise<void> {
  const store = getAppStore();
  const list = store.getState().messages[conversationId];
  if (list?.loading === true) return;
  store.dispatch({ type: 'history-loading', conversationId });
  const limit = Math.min(LIMITS.historyLimitMax, Math.max(PAGE, unreadCount + 10));
  const result = await window.chat.loadHistory({ conversationId, limit });
  if (result.ok) {
    store.dispatch({ type: 'history-loaded', conversationId, page: result.value, older: false });
  } else {
    store.dispatch({ type: 'history-failed', conversationId, message: result.error.message });
  }
}

/** The page before the oldest stored message held; nothing when at the beginning. */
export async function loadOlder(conversationId: string): Promise<void> {
  const store = getAppStore();
  const list = store.getState().messages[conversationId];
  if (list === undefined || !list.loaded || list.loading || !list.hasMore) return;
  const oldest = list.items.find((m) => m.seq !== null)?.seq;
  if (oldest === undefined || oldest === null || oldest <= 1) return;
  store.dispatch({ type: 'history-loading', conversationId });
  const result = await window.chat.loadHistory({
    conversationId,
    beforeSeq: oldest,
    limit: OLDER_PAGE,
  });
  if (result.ok) {
    store.dispatch({ type: 'history-loaded', conversationId, page: result.value, older: true });
  } else {
    store.dispatch({ type: 'history-failed', conversationId, message: result.error.message });
  }
}
