import { LIMITS } from '@chat/protocol';
import type { MessageList, WindowDirection } from '../store/reducer';
import { getAppStore } from '../store/store';

const PAGE = 50;
const OLDER_PAGE = 100;

/** Older pages one jump to the first unread message loads before it asks to go on. */
export const JUMP_PAGE_LIMIT = 20;

/**
 * One history request per conversation at a time. A second caller (the list reaching its
 * top while a jump or a retry is loading) waits for the request already running instead
 * of returning at once, so it can look at the state that request leaves.
 */
const running = new Map<string, Promise<void>>();

function once(conversationId: string, load: () => Promise<void>): Promise<void> {
  const current = running.get(conversationId);
  if (current !== undefined) return current;
  const request = load().finally(() => running.delete(conversationId));
  running.set(conversationId, request);
  return request;
}

/**
 * The latest page, big enough (up to the contract's maximum) to reach the first unread
 * message, so the "new messages" divider can be shown and scrolled to.
 */
export function loadLatest(conversationId: string, unreadCount: number): Promise<void> {
  return once(conversationId, async () => {
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
  });
}

/** The page before the oldest stored message held; nothing when at the beginning. */
export function loadOlder(conversationId: string): Promise<void> {
  return once(conversationId, async () => {
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
  });
}

export type OlderUntil =
  /** The condition holds, or the beginning of the history is held. */
  | { outcome: 'reached' }
  | { outcome: 'failed'; error: string }
  /** `pageLimit` pages loaded and still not there: the caller may ask to go on. */
  | { outcome: 'page-limit' }
  | { outcome: 'cancelled' };

/**
 * Loads older pages, through the same `loadOlder` as scrolling to the top does, until
 * `reached` holds for the list, at most `pageLimit` of them.
 */
export async function loadOlderUntil(
  conversationId: string,
  reached: (list: MessageList) => boolean,
  { pageLimit = JUMP_PAGE_LIMIT, signal }: { pageLimit?: number; signal?: AbortSignal } = {},
): Promise<OlderUntil> {
  const store = getAppStore();
  for (let pages = 0; ; pages++) {
    const list = store.getState().messages[conversationId];
    if (list === undefined || signal?.aborted === true) return { outcome: 'cancelled' };
    if (!list.hasMore || reached(list)) return { outcome: 'reached' };
    if (pages === pageLimit) return { outcome: 'page-limit' };
    await loadOlder(conversationId);
    const after = store.getState().messages[conversationId];
    if (after?.error != null) return { outcome: 'failed', error: after.error };
    // Offline, the client answers from what it holds: an empty page that still says there
    // is more. Asking again would only spin.
    if (after !== undefined && after.hasMore && after.items.length <= list.items.length) {
      return { outcome: 'failed', error: 'no older messages arrived' };
    }
  }
}

/** Messages a window opened around a message starts with: about half before, half after. */
const WINDOW_PAGE = 50;

export type OpenAround =
  | { outcome: 'opened' }
  | { outcome: 'deleted' }
  | { outcome: 'gone' }
  | { outcome: 'failed'; error: string };

/**
 * Shows message `seq` of a conversation when it is not in the live tail: a window of the
 * messages around it (`around=`), shown instead of the tail until it grows back to it. A
 * message deleted for everyone, or no longer there, opens nothing: the caller says so.
 */
export async function openAround(
  conversationId: string,
  seq: number,
  /** Called with the message's key just before the window shows (to focus the list on it). */
  beforeShow: (key: string) => void = () => undefined,
): Promise<OpenAround> {
  const result = await window.chat.loadAround({ conversationId, seq, limit: WINDOW_PAGE });
  if (!result.ok) {
    return result.error.code === 'not_found'
      ? { outcome: 'gone' }
      : { outcome: 'failed', error: result.error.message };
  }
  const target = result.value.find((m) => m.seq === seq);
  if (target === undefined) return { outcome: 'gone' };
  if (target.deletedAt !== null) return { outcome: 'deleted' };
  beforeShow(target.key);
  getAppStore().dispatch({
    type: 'window-opened',
    conversationId,
    targetSeq: seq,
    messages: result.value,
  });
  return { outcome: 'opened' };
}

/**
 * The next page of the open window, older or newer; nothing when it has none that way, a
 * page that way is loading, or no window is open. One request per direction at a time.
 */
export function loadWindowPage(conversationId: string, direction: WindowDirection): Promise<void> {
  return once(`${conversationId}:window-${direction}`, async () => {
    const store = getAppStore();
    const list = store.getState().messages[conversationId];
    const shown = list?.window;
    if (list === undefined || shown == null || shown.loading === direction) return;
    if (direction === 'older' ? !shown.hasOlder : !shown.hasNewer) return;
    const seqs = shown.items.flatMap((m) => (m.seq === null ? [] : [m.seq]));
    const edge = direction === 'older' ? seqs[0] : seqs.at(-1);
    if (edge === undefined) return;
    const { view } = list;
    store.dispatch({ type: 'window-loading', conversationId, view, direction });
    const result =
      direction === 'older'
        ? await window.chat.loadHistory({ conversationId, beforeSeq: edge, limit: OLDER_PAGE })
        : await window.chat.loadNewer({ conversationId, afterSeq: edge, limit: OLDER_PAGE });
    if (result.ok) {
      store.dispatch({ type: 'window-page', conversationId, view, direction, page: result.value });
    } else {
      const message = result.error.message;
      store.dispatch({ type: 'window-failed', conversationId, view, direction, message });
    }
  });
}
