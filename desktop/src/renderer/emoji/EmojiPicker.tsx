import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { EMOJI } from './emoji-data';
import { quickEmoji, recentEmoji, rememberEmoji, searchEmoji } from './emoji';

const CELL =
  'rounded-md p-1 text-xl leading-none hover:bg-zinc-100 focus-visible:ring-2 focus-visible:ring-blue-500 focus-visible:outline-none dark:hover:bg-zinc-700';

/**
 * A small reaction picker: the emoji used last on this device, then every emoji of the
 * curated set, or what a search by name finds. Focus starts in the search field; Enter
 * picks the first match, arrows move between emoji, Escape closes.
 */
export function EmojiPicker({
  onPick,
  onClose,
  isMine,
}: {
  onPick: (emoji: string) => void;
  onClose: () => void;
  /** Whether the user has reacted with it already (shown pressed). */
  isMine: (emoji: string) => boolean;
}) {
  const [query, setQuery] = useState('');
  const [recent] = useState(() => recentEmoji());
  const root = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const listId = useId();
  useEffect(() => search.current?.focus(), []);

  const results = query.trim() === '' ? null : searchEmoji(query);
  const pick = (emoji: string) => {
    rememberEmoji(emoji);
    onPick(emoji);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
      return;
    }
    const cells = [...(root.current?.querySelectorAll<HTMLButtonElement>('[data-emoji]') ?? [])];
    const at = cells.indexOf(document.activeElement as HTMLButtonElement);
    const step: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: 8,
      ArrowUp: -8,
    };
    const delta = step[event.key];
    if (delta === undefined || (at === -1 && event.key !== 'ArrowDown')) return;
    event.preventDefault();
    const next = at === -1 ? 0 : Math.min(cells.length - 1, Math.max(0, at + delta));
    cells[next]?.focus();
  };

  const cell = (emoji: string, name: string) => (
    <button
      key={emoji}
      type="button"
      data-emoji={emoji}
      aria-label={name}
      aria-pressed={isMine(emoji)}
      title={name}
      onClick={() => pick(emoji)}
      className={`${CELL} ${isMine(emoji) ? 'bg-blue-100 dark:bg-blue-900' : ''}`}
    >
      {emoji}
    </button>
  );
  const nameOf = (emoji: string) => EMOJI.find((e) => e.emoji === emoji)?.name ?? emoji;

  return (
    <div
      ref={root}
      role="dialog"
      aria-label="Pick a reaction"
      data-testid="emoji-picker"
      onKeyDown={onKeyDown}
      className="absolute bottom-full z-20 mb-1 w-72 rounded-xl bg-white p-2 shadow-lg ring-1 ring-zinc-200 dark:bg-zinc-800 dark:ring-zinc-700"
    >
      <input
        ref={search}
        type="search"
        value={query}
        aria-label="Search emoji by name"
        aria-controls={listId}
        placeholder="Search emoji"
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            const first = results?.[0];
            if (first) pick(first.emoji);
          }
        }}
        className="mb-2 w-full rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm text-zinc-900 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-100"
      />
      <div id={listId} className="max-h-48 overflow-y-auto">
        {results === null ? (
          <>
            <p className="px-1 text-xs text-zinc-600 dark:text-zinc-400">
              {recent.length > 0 ? 'Recent' : 'Common'}
            </p>
            <div role="group" aria-label="Recent" className="grid grid-cols-8">
              {quickEmoji(recent).map((emoji) => cell(emoji, nameOf(emoji)))}
            </div>
            <p className="mt-1 px-1 text-xs text-zinc-600 dark:text-zinc-400">All</p>
            <div role="group" aria-label="All emoji" className="grid grid-cols-8">
              {EMOJI.map((e) => cell(e.emoji, e.name))}
            </div>
          </>
        ) : results.length === 0 ? (
          <p className="p-2 text-sm text-zinc-600 dark:text-zinc-400" role="status">
            No emoji found
          </p>
        ) : (
          <div role="group" aria-label="Search results" className="grid grid-cols-8">
            {results.map((e) => cell(e.emoji, e.name))}
          </div>
        )}
      </div>
    </div>
  );
}
