/**
 * The version 2 message lifecycle in the UI: what the composer is doing to a message
 * (replying to it, editing it), the per-message actions (reply, react, edit, delete), the
 * reply quote and the reaction chips. Every change goes through `window.chat`; what is
 * shown follows the `message` events the core sends once the server has the change.
 */
import {
  useEffect,
  useId,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent,
} from 'react';
import type { LocalMessage } from '../../shared/bridge';
import { EmojiPicker } from '../emoji/EmojiPicker';
import { rememberEmoji } from '../emoji/emoji';
import { Dialog } from '../ui/Dialog';
import { PRIMARY_BUTTON, SECONDARY_BUTTON } from '../ui/buttons';

// ---- what the composer is doing, per conversation ------------------------------------

export type ComposerIntent =
  | { kind: 'reply'; seq: number; senderName: string; excerpt: string }
  | { kind: 'edit'; seq: number; body: string };

const intents = new Map<string, ComposerIntent>();
const listeners = new Set<() => void>();

export function setComposerIntent(conversationId: string, intent: ComposerIntent | null): void {
  if (intent === null) intents.delete(conversationId);
  else intents.set(conversationId, intent);
  for (const listener of listeners) listener();
}

export function useComposerIntent(conversationId: string): ComposerIntent | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => intents.get(conversationId) ?? null,
  );
}

// ---- reactions -----------------------------------------------------------------

async function toggleReaction(message: LocalMessage, emoji: string, on: boolean) {
  if (message.seq === null) return;
  await window.chat.react({ conversationId: message.conversationId, seq: message.seq, emoji, on });
}

export function ReactionChips({
  message,
  selfId,
  nameOf,
}: {
  message: LocalMessage;
  selfId: string;
  nameOf: (userId: string) => string;
}) {
  if (message.reactions.length === 0 || message.deletedAt !== null) return null;
  return (
    <ul className="mt-1 flex flex-wrap gap-1" aria-label="Reactions">
      {message.reactions.map((reaction) => {
        const mine = reaction.userIds.includes(selfId);
        const who = reaction.userIds.map(nameOf).join(', ');
        return (
          <li key={reaction.emoji} className="group/chip relative">
            <button
              type="button"
              data-testid="reaction"
              aria-pressed={mine}
              title={who}
              aria-label={`${reaction.emoji} ${reaction.userIds.length}: ${who}${mine ? ' (click to take back yours)' : ''}`}
              onClick={() => {
                if (!mine) rememberEmoji(reaction.emoji);
                void toggleReaction(message, reaction.emoji, !mine);
              }}
              className={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs ${
                mine
                  ? 'border-blue-500 bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-200'
                  : 'border-zinc-300 bg-white text-zinc-700 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-200'
              }`}
            >
              <span aria-hidden="true">{reaction.emoji}</span>
              <span className="tabular-nums">{reaction.userIds.length}</span>
            </button>
            {/* Who reacted, on hover and on keyboard focus (a title shows on hover only). */}
            <span
              data-testid="reaction-who"
              aria-hidden="true"
              className="pointer-events-none absolute bottom-full left-0 z-20 mb-1 hidden max-w-64 rounded bg-zinc-900 px-2 py-1 text-xs whitespace-nowrap text-white shadow group-focus-within/chip:block group-hover/chip:block"
            >
              {who}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

// ---- per-message actions -------------------------------------------------------------

const ACTION =
  'rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 focus-visible:ring-2 focus-visible:ring-blue-500 dark:text-zinc-300 dark:hover:bg-zinc-800';

/** Where a message's context menu opens (viewport coordinates). */
export interface MenuPoint {
  x: number;
  y: number;
}

const MENU_ITEM =
  'flex w-full rounded-md px-2.5 py-1.5 text-left text-sm text-zinc-800 hover:bg-zinc-100 focus-visible:bg-blue-600 focus-visible:text-white focus-visible:outline-none dark:text-zinc-100 dark:hover:bg-zinc-800';

/**
 * The message's context menu (right-click, the context-menu key or Shift+F10, or the
 * "More" button): arrows move, Escape or a click elsewhere closes and puts focus back.
 */
function ContextMenu({
  at,
  items,
  onClose,
}: {
  at: MenuPoint;
  items: { label: string; act: () => void }[];
  onClose: () => void;
}) {
  const menu = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const outside = (event: PointerEvent) => {
      if (!(event.target instanceof Node) || !menu.current?.contains(event.target)) onClose();
    };
    document.addEventListener('pointerdown', outside);
    return () => {
      document.removeEventListener('pointerdown', outside);
      if (back?.isConnected) back.focus();
    };
  }, [onClose]);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const all = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const i = all.indexOf(document.activeElement as HTMLElement);
    let next: number | null = null;
    if (event.key === 'ArrowDown') next = (i + 1) % all.length;
    else if (event.key === 'ArrowUp') next = (i - 1 + all.length) % all.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = all.length - 1;
    else if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
      return;
    }
    if (next === null) return;
    event.preventDefault();
    all[next]?.focus();
  };
  // Kept inside the window: a menu opened near the right or bottom edge opens inwards.
  const left = Math.max(4, Math.min(at.x, window.innerWidth - 184));
  const top = Math.max(4, Math.min(at.y, window.innerHeight - items.length * 34 - 16));
  return (
    <div
      ref={menu}
      role="menu"
      aria-label="Message actions"
      data-testid="message-menu"
      onKeyDown={onKeyDown}
      style={{ left, top }}
      className="fixed z-30 w-44 rounded-lg bg-white p-1 shadow-lg ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-700"
    >
      {items.map((item) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          tabIndex={-1}
          className={MENU_ITEM}
          onClick={() => {
            onClose();
            item.act();
          }}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}

/** Whether a message offers actions at all (stored, not deleted, not a system message). */
export function hasActions(message: LocalMessage): boolean {
  return message.seq !== null && message.deletedAt === null && message.kind !== 'system';
}

/**
 * Reply, react, edit (own), delete (own, or any as a group admin), copy text. Shown on
 * hover and whenever focus is inside the message, so they are reachable with the keyboard;
 * the same actions open as a context menu at `menuAt` (right-click, set by the row).
 */
export function MessageActions({
  message,
  selfId,
  senderName,
  canDelete,
  menuAt,
  onMenu,
}: {
  message: LocalMessage;
  selfId: string;
  senderName: string;
  canDelete: boolean;
  menuAt: MenuPoint | null;
  onMenu: (at: MenuPoint | null) => void;
}) {
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const errorId = useId();
  const more = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1_500);
    return () => clearTimeout(timer);
  }, [copied]);
  const seq = message.seq;
  if (seq === null || !hasActions(message)) return null;
  const { conversationId } = message;

  const remove = async () => {
    const result = await window.chat.deleteMessage({ conversationId, seq });
    setConfirming(false);
    setError(result.ok ? null : `Not deleted: ${result.error.message}`);
  };
  const reply = () =>
    setComposerIntent(conversationId, {
      kind: 'reply',
      seq,
      senderName,
      excerpt: message.body.slice(0, 200),
    });
  const edit = () => setComposerIntent(conversationId, { kind: 'edit', seq, body: message.body });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(message.body);
      setCopied(true);
      setError(null);
    } catch {
      setError('Could not copy the text.');
    }
  };
  const isMine = (emoji: string) =>
    message.reactions.some((r) => r.emoji === emoji && r.userIds.includes(selfId));

  const menuItems = [
    { label: 'Reply', act: reply },
    { label: 'React', act: () => setPicking(true) },
    ...(message.mine ? [{ label: 'Edit', act: edit }] : []),
    ...(canDelete ? [{ label: 'Delete…', act: () => setConfirming(true) }] : []),
    { label: 'Copy text', act: () => void copy() },
  ];

  return (
    <div
      data-testid="message-actions"
      className={`relative flex gap-0.5 ${picking || menuAt !== null ? '' : 'opacity-0 group-focus-within:opacity-100 group-hover:opacity-100'}`}
    >
      <button
        type="button"
        className={ACTION}
        aria-label={`Reply to ${senderName}`}
        onClick={reply}
      >
        Reply
      </button>
      <button
        type="button"
        className={ACTION}
        aria-label="React"
        aria-expanded={picking}
        onClick={() => setPicking((p) => !p)}
      >
        React
      </button>
      {picking && (
        <EmojiPicker
          isMine={isMine}
          onClose={() => setPicking(false)}
          onPick={(emoji) => {
            setPicking(false);
            void toggleReaction(message, emoji, !isMine(emoji));
          }}
        />
      )}
      {message.mine && (
        <button type="button" className={ACTION} aria-label="Edit message" onClick={edit}>
          Edit
        </button>
      )}
      {canDelete && (
        <button
          type="button"
          className={ACTION}
          aria-label="Delete message"
          onClick={() => setConfirming(true)}
        >
          Delete
        </button>
      )}
      <button
        ref={more}
        type="button"
        className={ACTION}
        aria-label="More actions"
        aria-haspopup="menu"
        aria-expanded={menuAt !== null}
        onClick={() => {
          const rect = more.current?.getBoundingClientRect();
          onMenu(rect ? { x: rect.left, y: rect.bottom + 2 } : { x: 0, y: 0 });
        }}
      >
        More
      </button>
      {copied && (
        <span role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
          Copied
        </span>
      )}
      {menuAt !== null && (
        <ContextMenu at={menuAt} items={menuItems} onClose={() => onMenu(null)} />
      )}
      {error !== null && (
        <span id={errorId} role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </span>
      )}
      {confirming && (
        <Dialog open={confirming} title="Delete this message?" onClose={() => setConfirming(false)}>
          <p className="text-sm text-zinc-700 dark:text-zinc-300">
            It is deleted for everyone in this conversation. This cannot be undone.
          </p>
          <div className="mt-4 flex justify-end gap-2">
            <button type="button" className={SECONDARY_BUTTON} onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button type="button" className={PRIMARY_BUTTON} onClick={() => void remove()}>
              Delete for everyone
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

// ---- the quote of a reply ---------------------------------------------------------------

export function ReplyQuote({
  replyTo,
  senderName,
  mine,
  onJump,
}: {
  replyTo: NonNullable<LocalMessage['replyTo']>;
  senderName: string;
  mine: boolean;
  onJump: (seq: number) => void;
}) {
  return (
    <button
      type="button"
      data-testid="reply-quote"
      onClick={() => onJump(replyTo.seq)}
      aria-label={`Replying to ${senderName}: ${replyTo.deleted ? 'deleted message' : replyTo.excerpt}. Show the message.`}
      className={`mb-1 block w-full border-l-2 pl-2 text-left text-xs ${
        mine ? 'border-blue-200 text-blue-50' : 'border-blue-500 text-zinc-600 dark:text-zinc-300'
      }`}
    >
      <span className="block font-semibold">{senderName}</span>
      <span className="line-clamp-2">
        {replyTo.deleted ? <em>This message was deleted</em> : replyTo.excerpt}
      </span>
    </button>
  );
}
