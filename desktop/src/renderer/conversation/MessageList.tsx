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
import { loadOlder, loadOlderUntil } from './history';
import { MessageRow } from './MessageRow';
import { adminDirections, systemText } from './system-text';
import { UnreadJumpBar, type JumpStep } from './UnreadJumpBar';

export interface ListContext {
  loadingOlder: boolean;
  error: string | null;
  /** Asks for the same older page again, as reaching the top does. */
  retryOlder: () => void;
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

const COMPONENTS = { Header, List, Item };

/** Older pages (of 100) a jump to a search result may load: 10,000 messages back. */
const SEARCH_JUMP_PAGE_LIMIT = 100;

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
  const { items, firstItemIndex } = list;
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

  const itemsRef = useRef(items);
  itemsRef.current = items;
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
  }, [markVisibleRead, items]);

  const followOutput = useCallback((isAtBottom: boolean) => {
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
    const at = items.findIndex((m) => m.key === key);
    if (at === -1) return;
    scrollToKey.current = null;
    ref.current?.scrollToIndex({ index: at, align: 'start' });
  }, [items, jump]);

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
    void window.chat.getPeople({ userIds: [...unknown] }).then((result) => {
      if (result.ok) getAppStore().dispatch({ type: 'people', people: result.value });
    });
  }, [items, names, conversation.members]);
  const [highlight, setHighlight] = useState<{ key: string; ms: number } | null>(null);
  const highlightKey = highlight?.key ?? null;
  const jumpToSeq = useCallback(
    async (seq: number, options: { pageLimit?: number; highlightMs?: number } = {}) => {
      const keyOf = (list: readonly LocalMessage[]) => list.find((m) => m.seq === seq)?.key;
      let key = keyOf(itemsRef.current);
      if (key === undefined) {
        // Older than what is loaded: page back to it (the list holds contiguous pages).
        const result = await loadOlderUntil(
          conversation.id,
          (l) => keyOf(l.items) !== undefined,
          options.pageLimit === undefined ? {} : { pageLimit: options.pageLimit },
        );
        if (result.outcome !== 'reached') return;
        key = keyOf(getAppStore().getState().messages[conversation.id]?.items ?? []);
      }
      if (key === undefined) return;
      setHighlight({ key, ms: options.highlightMs ?? 2_000 });
      scrollToKey.current = key;
      const at = itemsRef.current.findIndex((m) => m.key === key);
      if (at !== -1) {
        scrollToKey.current = null;
        // Not smooth: across rows the list has not measured yet, a smooth scroll ends short
        // of a message far back.
        ref.current?.scrollToIndex({ index: at, align: 'center' });
      }
      if (options.highlightMs !== undefined) {
        // Far back, the rows between are measured only as they render, which can leave
        // the first scroll short: settle on the row again once they are.
        const target = key;
        for (const delay of [150, 600]) {
          setTimeout(() => {
            const index = itemsRef.current.findIndex((m) => m.key === target);
            if (index !== -1) ref.current?.scrollToIndex({ index, align: 'center' });
          }, delay);
        }
      }
    },
    [conversation.id],
  );
  useEffect(() => {
    if (highlight === null) return;
    const timer = setTimeout(() => setHighlight(null), highlight.ms);
    return () => clearTimeout(timer);
  }, [highlight]);
  const onJumpTo = useCallback((seq: number) => void jumpToSeq(seq), [jumpToSeq]);

  // A search result opened here: page back to it however far (history loads both ways
  // from there: newer is already held, older loads on reaching the top), and keep it
  // highlighted long enough to be found by eye.
  useEffect(() => {
    const take = () => {
      const seq = takeJump(conversation.id);
      if (seq !== null)
        void jumpToSeq(seq, { pageLimit: SEARCH_JUMP_PAGE_LIMIT, highlightMs: 6_000 });
    };
    take();
    return onJumpRequest(take);
  }, [conversation.id, jumpToSeq]);

  const loadOlderPage = useCallback(() => void loadOlder(conversation.id), [conversation.id]);

  const showSender = conversation.type === 'group';
  const canDeleteOthers = conversation.type === 'group' && conversation.admins.includes(selfId);
  const oldestLoadedAt = items[0]?.createdAt;
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
        ref={ref}
        // The rest of the column under the bar; a flex item, not 100%, so the bar fits.
        style={{ flex: '1 1 0', minHeight: 0 }}
        data={items}
        firstItemIndex={firstItemIndex}
        initialTopMostItemIndex={{
          index: initialIndex,
          align: unreadKey === null ? 'end' : 'start',
        }}
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
        rangeChanged={(range) => {
          rangeRef.current = range;
          markVisibleRead();
        }}
        context={{ loadingOlder: list.loading, error: list.error, retryOlder: loadOlderPage }}
        components={COMPONENTS}
        itemContent={(index, message) => (
          <MessageRow
            message={message}
            layout={rowLayout(items, index - firstItemIndex, unreadKey)}
            beginning={index === firstItemIndex && !list.hasMore}
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
      {!atBottom && (
        <button
          type="button"
          onClick={() =>
            ref.current?.scrollToIndex({ index: 'LAST', align: 'end', behavior: 'smooth' })
          }
          aria-label="Scroll to the latest message"
          className="absolute right-5 bottom-4 inline-flex size-10 items-center justify-center rounded-full bg-white text-zinc-700 shadow-lg ring-1 ring-zinc-200 hover:bg-zinc-50 dark:bg-zinc-800 dark:text-zinc-200 dark:ring-zinc-700"
        >
          <svg viewBox="0 0 20 20" className="size-5" fill="currentColor" aria-hidden="true">
            <path
              fillRule="evenodd"
              d="M10 3a.75.75 0 0 1 .75.75v10.638l3.96-4.158a.75.75 0 1 1 1.08 1.04l-5.25 5.5a.75.75 0 0 1-1.08 0l-5.25-5.5a.75.75 0 1 1 1.08-1.04l3.96 4.158V3.75A.75.75 0 0 1 10 3Z"
              clipRule="evenodd"
            />
          </svg>
          {conversation.unreadCount > 0 && (
            <span className="absolute -top-1 -right-1 inline-flex min-w-5 items-center justify-center rounded-full bg-blue-600 px-1 text-xs font-semibold text-white">
              {conversation.unreadCount}
            </span>
          )}
        </button>
      )}
    </div>
  );
}
