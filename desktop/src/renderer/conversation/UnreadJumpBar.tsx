import { clockTime, dayLabel } from '../ui/time';

/** Where a jump to the first unread message is; `closed` once it arrived or was dismissed. */
export type JumpStep =
  | { step: 'offer' }
  | { step: 'loading' }
  | { step: 'failed'; error: string }
  | { step: 'page-limit' }
  | { step: 'closed' };

const BAR_BUTTON =
  'shrink-0 rounded px-2 py-0.5 font-semibold hover:bg-white/15 focus-visible:outline-2 focus-visible:outline-white';

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** "14:02" today, else "Yesterday, 14:02" or "Monday, 14:02" and so on. */
function when(iso: string, now: Date): string {
  const day = dayLabel(iso, now);
  return day === 'Today' ? clockTime(iso) : `${day}, ${clockTime(iso)}`;
}

export interface UnreadSummary {
  /** Unread messages when the conversation was opened. */
  unreadCount: number;
  /** How many of them are held so far. */
  loaded: number;
  oldestLoadedAt: string;
  /** Known once the first unread message is held (the user may have scrolled up to it). */
  firstUnreadAt: string | null;
}

export function jumpBarText(jump: JumpStep, summary: UnreadSummary, now: Date): string {
  const { unreadCount, firstUnreadAt } = summary;
  const count = plural(unreadCount, 'new message');
  const loaded = Math.min(summary.loaded, unreadCount);
  switch (jump.step) {
    case 'offer':
    case 'closed':
      // Until the first unread message is held its time is not known, only that it is
      // older than everything shown.
      return firstUnreadAt !== null
        ? `${count} since ${when(firstUnreadAt, now)}`
        : `${count}, the first before ${when(summary.oldestLoadedAt, now)}`;
    case 'loading':
      return `Loading older messages… ${loaded} of ${count}`;
    case 'failed':
      return `Could not load older messages: ${jump.error}`;
    case 'page-limit':
      return `${loaded} of ${count} loaded; the first is further back`;
  }
}

/**
 * Shown when more was unread than the first page held: how much, and a way back to
 * where the user stopped reading (older pages are loaded on the way).
 */
export function UnreadJumpBar({
  jump,
  now,
  onJump,
  onDismiss,
  ...summary
}: UnreadSummary & {
  jump: JumpStep;
  now: Date;
  onJump: () => void;
  onDismiss: () => void;
}) {
  if (jump.step === 'closed') return null;
  return (
    <div className="flex items-center gap-2 bg-blue-600 px-4 py-1.5 text-sm text-white shadow-sm">
      <p role="status" className="min-w-0 flex-1 truncate">
        {jumpBarText(jump, summary, now)}
      </p>
      {jump.step === 'failed' ? (
        <button
          type="button"
          onClick={onJump}
          aria-label="Try again to jump to the first unread message"
          className={BAR_BUTTON}
        >
          Try again
        </button>
      ) : (
        <button
          type="button"
          onClick={onJump}
          disabled={jump.step === 'loading'}
          aria-label="Jump to the first unread message"
          className={`${BAR_BUTTON} disabled:opacity-60`}
        >
          Jump
        </button>
      )}
      <button
        type="button"
        onClick={onDismiss}
        aria-label="Dismiss the new messages bar"
        className={`${BAR_BUTTON} px-1.5`}
      >
        <svg viewBox="0 0 20 20" className="size-4" fill="currentColor" aria-hidden="true">
          <path d="M6.28 5.22a.75.75 0 0 0-1.06 1.06L8.94 10l-3.72 3.72a.75.75 0 1 0 1.06 1.06L10 11.06l3.72 3.72a.75.75 0 1 0 1.06-1.06L11.06 10l3.72-3.72a.75.75 0 0 0-1.06-1.06L10 8.94 6.28 5.22Z" />
        </svg>
      </button>
    </div>
  );
}
