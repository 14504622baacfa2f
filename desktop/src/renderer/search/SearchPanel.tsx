import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { LIMITS, type SearchResult } from '@chat/protocol';
import type { ConversationView } from '../../shared/bridge';
import { useChat } from '../store/store';
import { Dialog } from '../ui/Dialog';
import { useDebounced, useNow } from '../ui/hooks';
import { conversationTitle, memberName } from '../ui/names';
import { TEXT_INPUT } from '../ui/buttons';
import { listTime } from '../ui/time';
import { snippetParts } from './snippet';

type Search =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; results: SearchResult[]; next: string | null; loadingMore: boolean }
  | { state: 'failed'; error: string };

/**
 * Finds messages in every conversation (or the open one): Ctrl/Cmd+K or Ctrl/Cmd+F. The
 * results are grouped by conversation, newest first; arrows move through them and Enter
 * opens the conversation at that message.
 */
export function SearchPanel({
  open,
  initialText,
  selfId,
  activeId,
  onClose,
  onOpen,
}: {
  open: boolean;
  /** What the box starts with (the sidebar filter's text, say). */
  initialText: string;
  selfId: string;
  /** The conversation on screen, for "in this conversation". */
  activeId: string | null;
  onClose: () => void;
  onOpen: (conversationId: string, seq: number) => void;
}) {
  return (
    <Dialog open={open} title="Search messages" onClose={onClose}>
      {open && (
        <SearchBody initialText={initialText} selfId={selfId} activeId={activeId} onOpen={onOpen} />
      )}
    </Dialog>
  );
}

function SearchBody({
  initialText,
  selfId,
  activeId,
  onOpen,
}: {
  initialText: string;
  selfId: string;
  activeId: string | null;
  onOpen: (conversationId: string, seq: number) => void;
}) {
  const [text, setText] = useState(initialText);
  const [onlyHere, setOnlyHere] = useState(false);
  const [search, setSearch] = useState<Search>({ state: 'idle' });
  const [activeIndex, setActiveIndex] = useState(0);
  const conversations = useChat((s) => s.conversations);
  const now = useNow(60_000);
  const listId = useId();
  const listRef = useRef<HTMLDivElement>(null);

  const q = useDebounced(text.trim(), 250);
  const within = onlyHere && activeId !== null ? activeId : undefined;

  useEffect(() => {
    if (q === '') {
      setSearch({ state: 'idle' });
      return;
    }
    let current = true;
    setSearch({ state: 'loading' });
    void window.chat
      .searchMessages({ q: q.slice(0, LIMITS.searchQueryMax), conversationId: within })
      .then((result) => {
        if (!current) return;
        setActiveIndex(0);
        setSearch(
          result.ok
            ? { state: 'done', ...result.value, loadingMore: false }
            : { state: 'failed', error: result.error.message },
        );
      });
    return () => {
      current = false;
    };
  }, [q, within]);

  const results = search.state === 'done' ? search.results : [];
  const groups = useMemo(() => groupByConversation(results), [results]);
  // In the order shown (group by group), which the arrows follow.
  const shown = useMemo(() => groups.flatMap((g) => g.items.map((item) => item.result)), [groups]);

  const loadMore = () => {
    if (search.state !== 'done' || search.next === null || search.loadingMore) return;
    const before = search.next;
    setSearch({ ...search, loadingMore: true });
    void window.chat.searchMessages({ q, conversationId: within, before }).then((result) => {
      setSearch((now) => {
        if (now.state !== 'done' || now.next !== before) return now;
        return result.ok
          ? {
              state: 'done',
              results: [...now.results, ...result.value.results],
              next: result.value.next,
              loadingMore: false,
            }
          : { state: 'failed', error: result.error.message };
      });
    });
  };

  const openResult = (result: SearchResult | undefined) => {
    if (result) onOpen(result.conversationId, result.message.seq);
  };

  // Keep the active result in view as the arrows move.
  useEffect(() => {
    listRef.current
      ?.querySelector(`[data-index="${activeIndex}"]`)
      ?.scrollIntoView({ block: 'nearest' });
  }, [activeIndex]);

  const optionId = (index: number) => `${listId}-${index}`;

  return (
    <div className="flex min-h-0 flex-col gap-3">
      {/* Not type="search": its Escape only clears the text, and here Escape closes. */}
      <input
        type="text"
        value={text}
        onChange={(e) => setText(e.target.value)}
        maxLength={LIMITS.searchQueryMax}
        placeholder="Words in a message"
        aria-label="Search messages"
        role="combobox"
        aria-expanded={results.length > 0}
        aria-controls={listId}
        aria-activedescendant={results.length > 0 ? optionId(activeIndex) : undefined}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActiveIndex((i) => Math.min(shown.length - 1, i + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActiveIndex((i) => Math.max(0, i - 1));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            openResult(shown[activeIndex]);
          }
        }}
        className={TEXT_INPUT}
      />
      <label
        className={`flex items-center gap-2 text-sm ${activeId === null ? 'text-zinc-400' : ''}`}
      >
        <input
          type="checkbox"
          checked={onlyHere && activeId !== null}
          disabled={activeId === null}
          onChange={(e) => setOnlyHere(e.target.checked)}
        />
        In this conversation
      </label>
      <p role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
        {search.state === 'loading'
          ? 'Searching…'
          : search.state === 'failed'
            ? `Search failed: ${search.error}`
            : search.state === 'done' && results.length === 0
              ? `No messages match “${q}”.`
              : search.state === 'done'
                ? `${results.length}${search.next === null ? '' : '+'} ${results.length === 1 ? 'message' : 'messages'}`
                : ''}
      </p>
      <div
        ref={listRef}
        id={listId}
        role="listbox"
        aria-label="Messages found"
        className="-mx-2 min-h-0 flex-1 overflow-y-auto"
      >
        {groups.map((group) => {
          const conversation = conversations[group.conversationId];
          return (
            <div
              key={group.conversationId}
              role="group"
              aria-label={groupTitle(conversation, selfId)}
            >
              <p className="px-2 pt-2 pb-1 text-xs font-semibold text-zinc-600 uppercase dark:text-zinc-400">
                {groupTitle(conversation, selfId)}
              </p>
              {group.items.map(({ result, index }) => (
                <div
                  key={result.message.id}
                  id={optionId(index)}
                  data-index={index}
                  data-testid="search-result"
                  role="option"
                  aria-selected={index === activeIndex}
                  onMouseMove={() => setActiveIndex(index)}
                  onClick={() => openResult(result)}
                  className={`cursor-pointer rounded-lg px-2 py-1.5 ${index === activeIndex ? 'bg-blue-50 dark:bg-blue-950' : ''}`}
                >
                  <p className="flex justify-between gap-2 text-xs text-zinc-600 dark:text-zinc-400">
                    <span className="truncate font-medium">
                      {conversation ? memberName(conversation, result.message.senderId) : 'Someone'}
                    </span>
                    <time dateTime={result.message.createdAt}>
                      {listTime(result.message.createdAt, now)}
                    </time>
                  </p>
                  <p className="text-sm break-words">
                    {snippetParts(result.snippet).map((part, i) =>
                      part.match ? (
                        <mark
                          key={i}
                          className="rounded bg-amber-200 px-0.5 text-inherit dark:bg-amber-700"
                        >
                          {part.text}
                        </mark>
                      ) : (
                        <span key={i}>{part.text}</span>
                      ),
                    )}
                  </p>
                </div>
              ))}
            </div>
          );
        })}
        {search.state === 'done' && search.next !== null && (
          <button
            type="button"
            onClick={loadMore}
            disabled={search.loadingMore}
            className="m-2 text-sm font-semibold text-blue-600 dark:text-blue-400"
          >
            {search.loadingMore ? 'Loading…' : 'Older results'}
          </button>
        )}
      </div>
    </div>
  );
}

function groupTitle(conversation: ConversationView | undefined, selfId: string): string {
  return conversation ? conversationTitle(conversation, selfId) : 'A conversation';
}

/** Conversations in the order of their newest result; each keeps its results' order. */
function groupByConversation(results: readonly SearchResult[]) {
  const groups: { conversationId: string; items: { result: SearchResult; index: number }[] }[] = [];
  const byId = new Map<string, (typeof groups)[number]>();
  // Keyboard order follows what is shown: group by group.
  for (const result of results) {
    let group = byId.get(result.conversationId);
    if (!group) {
      group = { conversationId: result.conversationId, items: [] };
      byId.set(result.conversationId, group);
      groups.push(group);
    }
    group.items.push({ result, index: -1 });
  }
  let index = 0;
  for (const group of groups) for (const item of group.items) item.index = index++;
  return groups;
}
