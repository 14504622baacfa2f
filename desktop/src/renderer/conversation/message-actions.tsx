/**
 * The version 2 message lifecycle in the UI: what the composer is doing to a message
 * (replying to it, editing it), the per-message actions (reply, react, edit, delete), the
 * reply quote and the reaction chips. Every change goes through `window.chat`; what is
 * shown follows the `message` events the core sends once the server has the change.
 */
import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import type { LocalMessage } from '../../shared/bridge';
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

/** The picker's few common emoji. */
export const COMMON_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🙏', '🎉', '👀'] as const;

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
          <li key={reaction.emoji}>
            <button
              type="button"
              data-testid="reaction"
              aria-pressed={mine}
              title={who}
              aria-label={`${reaction.emoji} ${reaction.userIds.length}: ${who}${mine ? ' (click to take back yours)' : ''}`}
              onClick={() => void toggleReaction(message, reaction.emoji, !mine)}
              className={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs ${
                mine
                  ? 'border-blue-500 bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-200'
                  : 'border-zinc-300 bg-white text-zinc-700 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-200'
              }`}
            >
              <span aria-hidden="true">{reaction.emoji}</span>
              <span className="tabular-nums">{reaction.userIds.length}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function EmojiPicker({
  message,
  selfId,
  onClose,
}: {
  message: LocalMessage;
  selfId: string;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
  }, []);
  return (
    <div
      ref={ref}
      role="group"
      aria-label="Pick a reaction"
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}
      className="absolute bottom-full z-10 mb-1 flex gap-0.5 rounded-full bg-white p-1 shadow-lg ring-1 ring-zinc-200 dark:bg-zinc-800 dark:ring-zinc-700"
    >
      {COMMON_EMOJI.map((emoji) => (
        <button
          key={emoji}
          type="button"
          aria-label={`React with ${emoji}`}
          onClick={() => {
            onClose();
            const mine = message.reactions.some(
              (r) => r.emoji === emoji && r.userIds.includes(selfId),
            );
            void toggleReaction(message, emoji, !mine);
          }}
          className="rounded-full px-1.5 py-0.5 text-lg hover:bg-zinc-100 focus-visible:ring-2 focus-visible:ring-blue-500 dark:hover:bg-zinc-700"
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}

// ---- per-message actions -------------------------------------------------------------

const ACTION =
  'rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 focus-visible:ring-2 focus-visible:ring-blue-500 dark:text-zinc-300 dark:hover:bg-zinc-800';

/**
 * Reply, react, edit (own), delete (own, or any as a group admin). Shown on hover and
 * whenever focus is inside the message, so they are reachable with the keyboard.
 */
export function MessageActions({
  message,
  selfId,
  senderName,
  canDelete,
}: {
  message: LocalMessage;
  selfId: string;
  senderName: string;
  canDelete: boolean;
}) {
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const seq = message.seq;
  if (seq === null || message.deletedAt !== null || message.kind === 'system') return null;
  const { conversationId } = message;

  const remove = async () => {
    const result = await window.chat.deleteMessage({ conversationId, seq });
    setConfirming(false);
    setError(result.ok ? null : `Not deleted: ${result.error.message}`);
  };

  return (
    <div
      data-testid="message-actions"
      className={`relative flex gap-0.5 ${picking ? '' : 'opacity-0 group-hover:opacity-100 group-focus-within:opacity-100'}`}
    >
      <button
        type="button"
        className={ACTION}
        aria-label={`Reply to ${senderName}`}
        onClick={() =>
          setComposerIntent(conversationId, {
            kind: 'reply',
            seq,
            senderName,
            excerpt: message.body.slice(0, 200),
          })
        }
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
        <EmojiPicker message={message} selfId={selfId} onClose={() => setPicking(false)} />
      )}
      {message.mine && (
        <button
          type="button"
          className={ACTION}
          aria-label="Edit message"
          onClick={() =>
            setComposerIntent(conversationId, { kind: 'edit', seq, body: message.body })
          }
        >
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
