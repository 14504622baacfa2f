import { forwardRef, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Virtuoso,
  type ContextProp,
  type ItemProps,
  type ListProps,
  type ListRange,
  type VirtuosoHandle,
} from 'react-virtuoso';
import type { ConversationView, LocalMessage } from '../../shared/bridge';
import type { MessageList as MessageListState } from '../store/reducer';
import { getAppStore, useChat } from '../store/store';
import { useNow, useWindowFocused } from '../ui/hooks';
import { memberName } from '../ui/names';
import { locateFirstUnread, rowLayout, type ReadPosition } from './grouping';
import { onJumpRequest, takeJump } from '../search/jump';
import { loadOlder, loadOlderUntil, loadWindowPage, openAround } from './history';
import { MessageRow } from './MessageRow';
import { adminDirections, systemText } from './system-text';
import { UnreadJumpBar, type JumpStep } from './UnreadJumpBar';

export interface ListContext {
  loadingOlder: boolean;
  error: string | null;
  /** Asks for the same older page again, as reaching the top does. */
  retryOlder: () => void;
  /** Only while a window away from the latest messages is shown (`null` otherwise). */
  newer: { loading: boolean; error: string | null; retry: () => void } | null;
}

/** Loading and failure of older history; the beginning marker sits on the first row instead. */
export function Header({ context }: { context?: ListContext }) {
  if (context === undefined) return null;
  const text =
    context.error !== null
      ? `Could not load older messages: ${context.error}`
      : context.loadingOlder
        ? 'Loading older messages…'
        : null;
  return (
    <div
      className={`flex flex-wrap items-center justify-center gap-x-2 px-4 text-xs text-zinc-600 dark:text-zinc-400 ${text === null ? 'pt-2' : 'pt-4 pb-2'}`}
    >
      <p role="status">{text}</p>
      {context.error !== null && (
        <button
          type="button"
          onClick={context.retryOlder}
          aria-label="Try again to load older messages"
          className="rounded px-1.5 py-0.5 font-semibold text-blue-600 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950"
        >
          Try again
        </button>
      )}
    </div>
  );
}

/** Loading and failure of newer history, below a window away from the latest messages. */
export function Footer({ context }: { context?: ListContext }) {
  const newer = context?.newer;
  if (newer == null) return null;
  const text =
    newer.error !== null
      ? `Could not load newer messages: ${newer.error}`
      : newer.loading
        ? 'Loading newer messages…'
        : null;
  return (
    <div className="flex flex-wrap items-center justify-center gap-x-2 px-4 pt-2 pb-4 text-xs text-zinc-600 dark:text-zinc-400">
      <p role="status">{text}</p>
      {newer.error !== null && (
        <button
          type="button"
          onClick={newer.retry}
          aria-label="Try again to load newer messages"
          className="rounded px-1.5 py-0.5 font-semibold text-blue-600 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950"
        >
          Try again
        </button>
      )}
    </div>
  );
}

// List semantics for screen readers: the scroller is the log, each message one item.
// Virtuoso positions and measures these elements, so every prop it passes goes through.
const List = forwardRef<HTMLDivElement, ListProps & ContextProp<ListContext>>(function List(
  { context: _context, ...props },
  ref,
) {
  return <div {...props} ref={ref} role="list" />;
});

function Item({
  context: _context,
  item: _item,
  ...props
}: ItemProps<LocalMessage> & ContextProp<ListContext>) {
  return <div {...props} role="listitem" />;
}

const COMPONENTS = { Header, Footer, List, Item };

/** The highest stored seq among the rows on screen (pending rows have none). */
function highestVisibleSeq(
  items: readonly LocalMessage[],
  range: ListRange,
  first: number,
): number {
  for (let i = range.endIndex - first; i >= range.startIndex - first && i >= 0; i--) {
    const seq = items[i]?.seq;
    if (seq !== null && seq !== undefined) return seq;
  }
  return 0;
}

function latestSeq(items: readonly LocalMessage[]): number {
  return items.findLast((m) => m.seq !== null)?.seq ?? 0;
}

function DownArrow() {
  return (
    <svg viewBox="0 0 20 20" className="size-5" fill="currentColor" aria-hidden="true">
      <path
        fillRule="evenodd"
        d="M10 3a.75.75 0 0 1 .75.75v10.638l3.96-4.158a.75.75 0 1 1 1.08 1.04l-5.25 5.5a.75.75 0 0 1-1.08 0l-5.25-5.5a.75.75 0 1 1 1.08-1.04l3.96 4.158V3.75A.75.75 0 0 1 10 3Z"
        clipRule="evenodd"
      />
    </svg>
  );
}

export function MessageList({
  conversation,
  title,
  list,
}: {
  conversation: ConversationView;
  /** The conversation's name as its header shows it, to name the log. */
  title: string;
  list: MessageListState;
}) {
  // The live tail; a detached window (a message far back) is shown instead while open.
  const { items } = list;
  const detached = list.window;
  const shown = detached?.items ?? items;
  const firstItemIndex = detached?.firstItemIndex ?? list.firstItemIndex;
  const ref = useRef<VirtuosoHandle>(null);
  const now = useNow(60_000);
  const focused = useWindowFocused();
  const [atBottom, setAtBottom] = useState(true);

  // Fixed when the conversation opens: messages arriving while it is open are not "new"
  // in the divider's sense, and reading must not make the divider jump.
  const [opened] = useState<ReadPosition>(() => ({
    lastReadSeq: conversation.lastReadSeq,
    unreadCount: conversation.unreadCount,
    latestSeq: latestSeq(items),
  }));
  // Found later when it was older than the first page: by a jump or by scrolling up.
  const firstUnread = useMemo(
    () => locateFirstUnread(items, list.hasMore, opened),
    [items, list.hasMore, opened],
  );
  const unreadKey = firstUnread.where === 'loaded' ? firstUnread.key : null;
  const [initialIndex] = useState(() => {
    const at = unreadKey === null ? -1 : items.findIndex((m) => m.key === unreadKey);
    return at === -1 ? Math.max(0, items.length - 1) : at;
  });

  const itemsRef = useRef(shown);
  itemsRef.current = shown;
  const rangeRef = useRef<ListRange | null>(null);
  const readRef = useRef(conversation.lastReadSeq);

  const markVisibleRead = useCallback(() => {
    const range = rangeRef.current;
    if (range === null || !focused) return;
    const seq = highestVisibleSeq(itemsRef.current, range, firstItemIndex);
    if (seq <= Math.max(readRef.current, conversation.lastReadSeq)) return;
    readRef.current = seq;
    void window.chat.markRead({ conversationId: conversation.id, seq });
  }, [focused, firstItemIndex, conversation.id, conversation.lastReadSeq]);

  // Focus coming back, or new messages landing on screen, count as seeing them.
  useEffect(() => {
    markVisibleRead();
  }, [markVisibleRead, shown]);

  const detachedRef = useRef(detached !== null);
  detachedRef.current = detached !== null;
  const followOutput = useCallback((isAtBottom: boolean) => {
    // A window's end is not the latest message: new ones go to the tail, not here.
    if (detachedRef.current) return false;
    const last = itemsRef.current.at(-1);
    // The user's own new message always brings them to the bottom.
    if (last?.mine === true && (last.state === 'pending' || last.state === 'waiting')) {
      return 'auto';
    }
    return isAtBottom ? 'smooth' : false;
  }, []);

  const [jump, setJump] = useState<JumpStep>(() =>
    firstUnread.where === 'older' ? { step: 'offer' } : { step: 'closed' },
  );
  const jumpController = useRef<AbortController | null>(null);
  const scrollToKey = useRef<string | null>(null);
  useEffect(() => () => jumpController.current?.abort(), []);

  const jumpToFirstUnread = useCallback(async () => {
    jumpController.current?.abort();
    const controller = new AbortController();
    jumpController.current = controller;
    setJump({ step: 'loading' });
    getAppStore().dispatch({ type: 'window-closed', conversationId: conversation.id });
    const result = await loadOlderUntil(
      conversation.id,
      (l) => locateFirstUnread(l.items, l.hasMore, opened).where !== 'older',
      { signal: controller.signal },
    );
    if (controller.signal.aborted) return;
    switch (result.outcome) {
      case 'reached': {
        const held = getAppStore().getState().messages[conversation.id];
        const found =
          held === undefined ? null : locateFirstUnread(held.items, held.hasMore, opened);
        scrollToKey.current = found?.where === 'loaded' ? found.key : null;
        setJump({ step: 'closed' });
        break;
      }
      case 'failed':
        setJump({ step: 'failed', error: result.error });
        break;
      case 'page-limit':
        setJump({ step: 'page-limit' });
        break;
      case 'cancelled':
        break;
    }
  }, [conversation.id, opened]);

  // After the render that holds the pages a jump loaded, so the list knows the row.
  useEffect(() => {
    const key = scrollToKey.current;
    if (key === null) return;
    const at = shown.findIndex((m) => m.key === key);
    if (at === -1) return;
    scrollToKey.current = null;
    ref.current?.scrollToIndex({ index: at, align: 'start' });
  }, [shown, jump]);

  // ---- jumping to a quoted message (version 2) ----
  const selfId = useChat((s) => s.session?.user.id) ?? '';
  // Members first; someone who left or was removed is still named from earlier this session.
  const names = useChat((s) => s.names);
  const nameOf = useCallback(
    (userId: string) =>
      conversation.members.some((m) => m.id === userId)
        ? memberName(conversation, userId)
        : (names[userId] ?? 'Someone'),
    [conversation, names],
  );
  const adminChanges = useMemo(
    () => adminDirections(items, conversation.admins),
    [items, conversation.admins],
  );
  // People a group change names who are no longer members and not met yet: ask once.
  const asked = useRef(new Set<string>());
  useEffect(() => {
    const unknown = new Set<string>();
    for (const m of items) {
      if (m.system == null) continue;
      for (const id of [m.system.actorId, ...m.system.userIds]) {
        if (names[id] === undefined && !conversation.members.some((p) => p.id === id)) {
          if (!asked.current.has(id)) unknown.add(id);
        }
      }
    }
    if (unknown.size === 0) return;
    for (const id of unknown) asked.current.add(id);
    const asOf = getAppStore().getState().presenceEvents;
    void window.chat.getPeople({ userIds: [...unknown] }).then((result) => {
      if (result.ok) getAppStore().dispatch({ type: 'people', people: result.value, asOf });
    });
  }, [items, names, conversation.members]);
  const [highlight, setHighlight] = useState<{ key: string; ms: number } | null>(null);
  const highlightKey = highlight?.key ?? null;
  // Where a new view of the list (a window opened, or back to the tail) starts: set just
  // before the switch, read when the list mounts again.
  const focusRef = useRef<{ key: string; align: 'center' | 'end' } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const jumpToSeq = useCallback(
    async (seq: number, options: { highlightMs?: number } = {}) => {
      const keyOf = (list: readonly LocalMessage[]) => list.find((m) => m.seq === seq)?.key;
      if (itemsRef.current.find((m) => m.seq === seq)?.deletedAt != null) {
        setNotice('That message was deleted.');
        return;
      }
      const held = getAppStore().getState().messages[conversation.id];
      let key = keyOf(itemsRef.current);
      if (key === undefined && held?.window != null && keyOf(held.items) !== undefined) {
        // In the live tail while a window is shown: back to the tail, at that message.
        key = keyOf(held.items);
        if (key !== undefined) focusRef.current = { key, align: 'center' };
        getAppStore().dispatch({ type: 'window-closed', conversationId: conversation.id });
      } else if (key === undefined) {
        // Not in memory: a window of the messages around it, not every page in between.
        setNotice(null);
        let found: string | undefined;
        const opened = await openAround(conversation.id, seq, (at) => {
          found = at;
          focusRef.current = { key: at, align: 'center' };
        });
        if (opened.outcome !== 'opened') {
          setNotice(
            opened.outcome === 'deleted'
              ? 'That message was deleted.'
              : opened.outcome === 'gone'
                ? 'That message is no longer available.'
                : `Could not load that message: ${opened.error}`,
          );
          return;
        }
        key = found;
      }
      if (key === undefined) return;
      setHighlight({ key, ms: options.highlightMs ?? 2_000 });
      const at = itemsRef.current.findIndex((m) => m.key === key);
      if (at !== -1 && focusRef.current === null) {
        // Not smooth: across rows the list has not measured yet, a smooth scroll ends short
        // of a message far back.
        ref.current?.scrollToIndex({ index: at, align: 'center' });
      }
      // The rows around it are measured only as they render, which can leave the first
      // scroll short: settle on the row again once they are.
      const target = key;
      for (const delay of [150, 600]) {
        setTimeout(() => {
          const index = itemsRef.current.findIndex((m) => m.key === target);
          if (index !== -1) ref.current?.scrollToIndex({ index, align: 'center' });
        }, delay);
      }
    },
    [conversation.id],
  );
  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => setNotice(null), 5_000);
    return () => clearTimeout(timer);
  }, [notice]);
  useEffect(() => {
    if (highlight === null) return;
    const timer = setTimeout(() => setHighlight(null), highlight.ms);
    return () => clearTimeout(timer);
  }, [highlight]);
  const onJumpTo = useCallback((seq: number) => void jumpToSeq(seq), [jumpToSeq]);

  // A search result opened here: shown however far back (history loads both ways from
  // there), and highlighted long enough to be found by eye.
  useEffect(() => {
    const take = () => {
      const seq = takeJump(conversation.id);
      if (seq !== null) void jumpToSeq(seq, { highlightMs: 6_000 });
    };
    take();
    return onJumpRequest(take);
  }, [conversation.id, jumpToSeq]);

  const isDetached = detached !== null;
  const loadOlderPage = useCallback(
    () => void (isDetached ? loadWindowPage(conversation.id, 'older') : loadOlder(conversation.id)),
    [conversation.id, isDetached],
  );
  const loadNewerPage = useCallback(() => {
    if (isDetached) void loadWindowPage(conversation.id, 'newer');
  }, [conversation.id, isDetached]);
  const jumpToLatest = useCallback(() => {
    const last = getAppStore().getState().messages[conversation.id]?.items.at(-1);
    focusRef.current = last === undefined ? null : { key: last.key, align: 'end' };
    getAppStore().dispatch({ type: 'window-closed', conversationId: conversation.id });
  }, [conversation.id]);

  // The first view starts at the first unread message or the latest; a later one (a window
  // opened, or back to the tail) where the switch asked.
  const [firstView] = useState(list.view);
  const focus = focusRef.current;
  const focusAt = focus === null ? -1 : shown.findIndex((m) => m.key === focus.key);
  const initialTopMostItemIndex =
    list.view === firstView && focusAt === -1
      ? { index: initialIndex, align: unreadKey === null ? ('end' as const) : ('start' as const) }
      : focusAt === -1
        ? { index: Math.max(0, shown.length - 1), align: 'end' as const }
        : { index: focusAt, align: focus?.align ?? ('center' as const) };
  useEffect(() => {
    focusRef.current = null;
  }, [list.view]);
  // Coming back to the conversation later opens it at the latest messages, not in a window
  // left open far back.
  useEffect(
    () => () => getAppStore().dispatch({ type: 'window-closed', conversationId: conversation.id }),
    [conversation.id],
  );

  const showSender = conversation.type === 'group';
  const canDeleteOthers = conversation.type === 'group' && conversation.admins.includes(selfId);
  const oldestLoadedAt = items[0]?.createdAt;
  const hasOlder = detached?.hasOlder ?? list.hasMore;
  const firstUnreadAt =
    unreadKey === null ? null : (items.find((m) => m.key === unreadKey)?.createdAt ?? null);

  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      {oldestLoadedAt !== undefined && (
        <UnreadJumpBar
          jump={jump}
          unreadCount={opened.unreadCount}
          loaded={firstUnread.where === 'older' ? firstUnread.loaded : opened.unreadCount}
          oldestLoadedAt={oldestLoadedAt}
          firstUnreadAt={firstUnreadAt}
          now={now}
          onJump={() => void jumpToFirstUnread()}
          onDismiss={() => {
            jumpController.current?.abort();
            setJump({ step: 'closed' });
          }}
        />
      )}
      <Virtuoso
        // A new view (a window opened, or back to the tail) starts afresh at its focus.
        key={list.view}
        ref={ref}
        // The rest of the column under the bar; a flex item, not 100%, so the bar fits.
        style={{ flex: '1 1 0', minHeight: 0 }}
        data={shown}
        firstItemIndex={firstItemIndex}
        initialTopMostItemIndex={initialTopMostItemIndex}
        computeItemKey={(_, message) => message.key}
        increaseViewportBy={{ top: 600, bottom: 300 }}
        followOutput={followOutput}
        alignToBottom
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label={`Messages in ${title}`}
        atBottomThreshold={80}
        atBottomStateChange={setAtBottom}
        startReached={loadOlderPage}
        endReached={loadNewerPage}
        rangeChanged={(range) => {
          rangeRef.current = range;
          markVisibleRead();
        }}
        context={{
          loadingOlder: detached === null ? list.loading : detached.loading === 'older',
          error: detached === null ? list.error : detached.loading === null ? detached.error : null,
          retryOlder: loadOlderPage,
          newer:
            detached === null
              ? null
              : {
                  loading: detached.loading === 'newer',
                  error: detached.loading === null ? detached.error : null,
                  retry: loadNewerPage,
                },
        }}
        components={COMPONENTS}
        itemContent={(index, message) => (
          <MessageRow
            message={message}
            layout={rowLayout(shown, index - firstItemIndex, unreadKey)}
            beginning={index === firstItemIndex && !hasOlder}
            showSender={showSender}
            senderName={memberName(conversation, message.senderId)}
            senderAvatarId={
              conversation.members.find((m) => m.id === message.senderId)?.avatar?.id ?? null
            }
            now={now}
            selfId={selfId}
            canDeleteOthers={canDeleteOthers}
            highlighted={message.key === highlightKey}
            systemLine={
              message.system == null
                ? null
                : systemText(message.system, nameOf, selfId, adminChanges.get(message.key))
            }
            nameOf={nameOf}
            onJumpTo={onJumpTo}
          />
        )}
      />
      {notice !== null && (
        <p
          role="status"
          className="absolute bottom-16 left-1/2 -translate-x-1/2 rounded-full bg-zinc-800 px-3 py-1.5 text-sm text-white shadow-lg dark:bg-zinc-200 dark:text-zinc-900"
        >
          {notice}
        </p>
      )}
      {detached !== null ? (
        <button
          type="button"
          onClick={jumpToLatest}
          aria-label={
            conversation.unreadCount > 0
              ? `Jump to latest, ${conversation.unreadCount} new message${conversation.unreadCount === 1 ? '' : 's'}`
              : 'Jump to latest'
          }
          className="absolute right-5 bottom-4 inline-flex items-center gap-1.5 rounded-full bg-blue-600 py-2 pr-4 pl-3 text-sm font-semibold text-white shadow-lg hover:bg-blue-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600"
        >
          <DownArrow />
          Jump to latest
          {conversation.unreadCount > 0 && (
            <span
              aria-hidden="true"
              className="ml-1 inline-flex min-w-5 items-center justify-center rounded-full bg-white px-1 text-xs font-semibold text-blue-700"
            >
              {conversation.unreadCount}
            </span>
          )}
        </button>
      ) : (
        !atBottom && (
          <button
            type="button"
            onClick={() =>
              ref.current?.scrollToIndex({ index: 'LAST', align: 'end', behavior: 'smooth' })
            }
            aria-label="Scroll to the latest message"
            className="absolute right-5 bottom-4 inline-flex size-10 items-center justify-center rounded-full bg-white text-zinc-700 shadow-lg ring-1 ring-zinc-200 hover:bg-zinc-50 dark:bg-zinc-800 dark:text-zinc-200 dark:ring-zinc-700"
          >
            <DownArrow />
            {conversation.unreadCount > 0 && (
              <span className="absolute -top-1 -right-1 inline-flex min-w-5 items-center justify-center rounded-full bg-blue-600 px-1 text-xs font-semibold text-white">
                {conversation.unreadCount}
              </span>
            )}
          </button>
        )
      )}
    </div>
  );
}
