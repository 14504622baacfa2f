import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ConversationView } from '../../shared/bridge';
import { sortedConversations } from '../store/reducer';
import { levelOf } from '../preferences/preferences';
import { useChat } from '../store/store';
import { Avatar, conversationPicture } from '../ui/Avatar';
import { PRIMARY_BUTTON, TEXT_INPUT } from '../ui/buttons';
import { useNow } from '../ui/hooks';
import { BellSlashIcon, SearchIcon } from '../ui/icons';
import { conversationTitle, otherMember } from '../ui/names';
import { listTime } from '../ui/time';
import { preview } from './preview';

interface RowProps {
  conversation: ConversationView;
  selfId: string;
  selected: boolean;
  tabbable: boolean;
  now: Date;
  onSelect: () => void;
  onFocus: () => void;
}

function ConversationRow({
  conversation,
  selfId,
  selected,
  tabbable,
  now,
  onSelect,
  onFocus,
}: RowProps) {
  const title = conversationTitle(conversation, selfId);
  const other = conversation.type === 'direct' ? otherMember(conversation, selfId) : null;
  const online = useChat((s) =>
    // Unknown (disconnected, or not fetched yet): no dot rather than a guess.
    other === null ? undefined : s.presence[other.id]?.online,
  );
  const level = levelOf(conversation);
  const muted = level === 'none';
  const unread = conversation.unreadCount;
  return (
    // An option of the listbox: focus moves over it, a click or Enter/Space opens it
    // (selection does not follow focus, so passing over a conversation never reads it).
    <li
      role="option"
      data-conversation-id={conversation.id}
      tabIndex={tabbable ? 0 : -1}
      aria-selected={selected}
      className="-outline-offset-2"
      onClick={onSelect}
      onFocus={onFocus}
      onKeyDown={(event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onSelect();
        }
      }}
    >
      <div
        className={`flex w-full cursor-pointer items-center gap-3 px-3 py-2.5 text-left ${
          selected
            ? 'bg-blue-50 dark:bg-blue-950/60'
            : 'hover:bg-zinc-100 dark:hover:bg-zinc-800/60'
        }`}
      >
        <Avatar
          id={other?.id ?? conversation.id}
          name={title}
          online={online}
          picture={conversationPicture(conversation, other)}
        />
        <span className="min-w-0 flex-1">
          <span className="flex items-baseline justify-between gap-2">
            <span className="flex min-w-0 items-center gap-1">
              <span className={`truncate text-sm ${unread > 0 ? 'font-semibold' : 'font-medium'}`}>
                {title}
              </span>
              {muted && (
                <span className="shrink-0 text-zinc-400" title="Muted">
                  <BellSlashIcon className="size-3.5" />
                  <span className="sr-only">(muted)</span>
                </span>
              )}
              {level === 'mentions' && (
                <span
                  className="shrink-0 text-xs font-semibold text-zinc-500 dark:text-zinc-400"
                  title="Mentions only"
                >
                  <span aria-hidden="true">@</span>
                  <span className="sr-only">(mentions only)</span>
                </span>
              )}
            </span>
            <time
              dateTime={conversation.lastActivityAt}
              className={`shrink-0 text-xs ${unread > 0 ? 'font-semibold text-blue-600 dark:text-blue-400' : 'text-zinc-600 dark:text-zinc-400'}`}
            >
              {listTime(conversation.lastActivityAt, now)}
            </time>
          </span>
          <span className="mt-0.5 flex items-center justify-between gap-2">
            <span
              className={`truncate text-sm ${
                conversation.lastMessage?.state === 'failed'
                  ? 'text-red-600 dark:text-red-400'
                  : unread > 0
                    ? 'text-zinc-800 dark:text-zinc-200'
                    : 'text-zinc-600 dark:text-zinc-400'
              }`}
            >
              {preview(conversation, selfId)}
            </span>
            {unread > 0 && (
              <span
                className={`inline-flex min-w-5 shrink-0 items-center justify-center rounded-full px-1.5 text-xs font-semibold text-white ${
                  // A muted conversation still counts, but does not call for attention.
                  muted ? 'bg-zinc-500 dark:bg-zinc-600' : 'bg-blue-600'
                }`}
                aria-label={`${unread} unread`}
              >
                {unread > 99 ? '99+' : unread}
              </span>
            )}
          </span>
        </span>
      </div>
    </li>
  );
}

export function ConversationList({
  selfId,
  activeId,
  onSelect,
  onNewChat,
  onSearchMessages,
}: {
  selfId: string;
  activeId: string | null;
  onSelect: (conversationId: string) => void;
  onNewChat: () => void;
  /** Opens message search with the filter's text (the filter only matches names). */
  onSearchMessages?: (text: string) => void;
}) {
  const conversations = useChat((s) => s.conversations);
  const loaded = useChat((s) => s.conversationsLoaded);
  const [filter, setFilter] = useState('');
  const now = useNow();
  const listRef = useRef<HTMLUListElement>(null);

  const shown = useMemo(() => {
    const sorted = sortedConversations(conversations);
    const q = filter.trim().toLocaleLowerCase();
    if (q === '') return sorted;
    return sorted.filter((c) => {
      if (conversationTitle(c, selfId).toLocaleLowerCase().includes(q)) return true;
      return c.members.some((m) => m.id !== selfId && (m.username ?? '').includes(q));
    });
  }, [conversations, filter, selfId]);

  // Roving tabindex: Tab enters the list once, on the row last focused since the open
  // conversation last changed (else the open one, else the first); arrows, Home and End
  // move focus inside it and open nothing.
  const [focused, setFocused] = useState<{ id: string; whileOpen: string | null } | null>(null);
  const focusedId = focused !== null && focused.whileOpen === activeId ? focused.id : null;
  const tabbableId =
    [focusedId, activeId].find((id) => shown.some((c) => c.id === id)) ?? shown[0]?.id ?? null;

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const options = [...(listRef.current?.querySelectorAll<HTMLElement>('[role="option"]') ?? [])];
    const at = options.findIndex((option) => option === document.activeElement);
    let next: number | null = null;
    if (event.key === 'ArrowDown') next = Math.min(options.length - 1, at + 1);
    else if (event.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = options.length - 1;
    if (next === null || options.length === 0) return;
    event.preventDefault();
    options[next]?.focus();
  };

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div className="flex items-center gap-2 p-3">
        <label className="relative block min-w-0 flex-1">
          <span className="sr-only">Search conversations</span>
          <SearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-zinc-400" />
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown') {
                e.preventDefault();
                listRef.current?.querySelector<HTMLElement>('[role="option"]')?.focus();
              } else if (e.key === 'Escape') {
                setFilter('');
              }
            }}
            placeholder="Search"
            className={`${TEXT_INPUT} rounded-full bg-zinc-100 pl-9 dark:bg-zinc-800`}
          />
        </label>
        {onSearchMessages && (
          <button
            type="button"
            onClick={() => onSearchMessages(filter.trim())}
            title="Search messages (Ctrl+K)"
            className="shrink-0 rounded-full px-2 py-1 text-xs font-semibold text-blue-600 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950"
          >
            Messages
          </button>
        )}
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {loaded && Object.keys(conversations).length === 0 ? (
          <div className="flex flex-col items-center gap-3 px-6 py-10 text-center">
            <p className="text-sm font-medium text-zinc-700 dark:text-zinc-300">
              No conversations yet
            </p>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Find someone by their name and say hello.
            </p>
            <button type="button" className={PRIMARY_BUTTON} onClick={onNewChat}>
              Start a chat
            </button>
          </div>
        ) : shown.length === 0 && filter !== '' ? (
          <p className="px-6 py-10 text-center text-sm text-zinc-600 dark:text-zinc-400">
            No conversations match “{filter}”.
          </p>
        ) : (
          <ul ref={listRef} role="listbox" onKeyDown={onKeyDown} aria-label="Conversation list">
            {shown.map((c) => (
              <ConversationRow
                key={c.id}
                conversation={c}
                selfId={selfId}
                selected={c.id === activeId}
                tabbable={c.id === tabbableId}
                now={now}
                onSelect={() => onSelect(c.id)}
                onFocus={() => setFocused({ id: c.id, whileOpen: activeId })}
              />
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
