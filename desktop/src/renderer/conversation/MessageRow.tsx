import { memo, useState } from 'react';
import type { LocalMessage } from '../../shared/bridge';
import { useChat } from '../store/store';
import { MessageText } from '../text/MessageText';
import { MessageAttachments } from './Attachments';
import { Avatar } from '../ui/Avatar';
import { AlertIcon, ClockIcon, PauseIcon, Ticks } from '../ui/icons';
import { clockTime, dayLabel, exactTime } from '../ui/time';
import type { RowLayout } from './grouping';
import {
  MessageActions,
  ReactionChips,
  ReplyQuote,
  hasActions,
  type MenuPoint,
} from './message-actions';

const STATE_LABELS = {
  pending: 'Sending',
  waiting: 'Waiting for connection',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
} as const;

function DeliveryMark({ message }: { message: LocalMessage }) {
  const label = STATE_LABELS[message.state];
  const mark =
    message.state === 'pending' ? (
      <ClockIcon className="size-3" />
    ) : message.state === 'waiting' ? (
      <PauseIcon className="size-3" />
    ) : message.state === 'sent' ? (
      <Ticks count={1} />
    ) : message.state === 'delivered' ? (
      <Ticks count={2} />
    ) : message.state === 'read' ? (
      <Ticks count={2} className="h-3 w-4 text-cyan-300" />
    ) : (
      <AlertIcon className="size-3.5 text-red-200" />
    );
  return (
    <span role="img" aria-label={label} title={label} className="inline-flex">
      {mark}
    </span>
  );
}

function FailedActions({ message }: { message: LocalMessage }) {
  const [busy, setBusy] = useState(false);
  const act = async (action: 'retry' | 'discard') => {
    setBusy(true);
    const args = { conversationId: message.conversationId, clientId: message.clientId };
    if (action === 'retry') await window.chat.retryMessage(args);
    else await window.chat.discardMessage(args);
    setBusy(false);
  };
  return (
    <div
      className="mt-1 flex items-center gap-2 text-xs text-red-600 dark:text-red-400"
      role="alert"
    >
      <span>Not sent{message.error ? `: ${message.error.message}` : ''}</span>
      <button
        type="button"
        disabled={busy}
        onClick={() => void act('retry')}
        className="rounded px-1.5 py-0.5 font-semibold text-blue-600 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950"
      >
        Retry
      </button>
      <button
        type="button"
        disabled={busy}
        onClick={() => void act('discard')}
        className="rounded px-1.5 py-0.5 text-zinc-600 dark:text-zinc-400 hover:bg-zinc-100 dark:hover:bg-zinc-800"
      >
        Delete
      </button>
    </div>
  );
}

export interface MessageRowProps {
  message: LocalMessage;
  layout: RowLayout;
  /** The first message there is: the beginning-of-conversation marker sits right above it. */
  beginning: boolean;
  /** Groups show the sender's name and avatar; direct chats do not need them. */
  showSender: boolean;
  senderName: string;
  /** The id of the sender's avatar, if they have one (a string keeps the row memoised). */
  senderAvatarId?: string | null;
  now: Date;
  // ---- message lifecycle (version 2) ----
  selfId: string;
  /** A group admin may delete anyone's message. */
  canDeleteOthers: boolean;
  /** Just jumped to (from a reply's quote). */
  highlighted: boolean;
  /** A group change ("Alice added Bob"): drawn as a centred line, not a bubble. */
  systemLine?: string | null;
  nameOf: (userId: string) => string;
  onJumpTo: (seq: number) => void;
}

export const MessageRow = memo(function MessageRow({
  message,
  layout,
  beginning,
  showSender,
  senderName,
  senderAvatarId = null,
  now,
  selfId,
  canDeleteOthers,
  highlighted,
  systemLine = null,
  nameOf,
  onJumpTo,
}: MessageRowProps) {
  const [menuAt, setMenuAt] = useState<MenuPoint | null>(null);
  const mine = message.mine;
  const bubble = mine
    ? `bg-blue-600 text-white ${layout.groupEnd ? 'rounded-br-md' : ''}`
    : `bg-white text-zinc-900 shadow-sm dark:bg-zinc-800 dark:text-zinc-100 ${layout.groupEnd ? 'rounded-bl-md' : ''}`;
  const failed = message.state === 'failed';
  const deleted = message.deletedAt !== null;
  const mentionsMe = !mine && message.mentions.includes(selfId);
  const selfUsername = useChat((s) => s.session?.user.username) ?? undefined;
  const ring = highlighted
    ? 'ring-2 ring-amber-400'
    : mentionsMe
      ? 'ring-2 ring-amber-300 dark:ring-amber-500'
      : '';
  return (
    // Padding, not margins: the virtual list measures each item's box.
    <div
      data-testid="message"
      data-seq={message.seq ?? undefined}
      data-mentions-me={mentionsMe || undefined}
      data-highlighted={highlighted || undefined}
      className={`group px-4 ${layout.groupEnd ? 'pb-2' : 'pb-0.5'}`}
      onContextMenu={(event) => {
        // A link or selected text keeps the usual menu (copy the link, the selection).
        if (!hasActions(message) || (event.target as HTMLElement).closest('a')) return;
        if (window.getSelection()?.toString()) return;
        event.preventDefault();
        setMenuAt({ x: event.clientX, y: event.clientY });
      }}
      onKeyDown={(event) => {
        // The keyboard's context-menu key and Shift+F10, from anywhere in the message.
        if (!hasActions(message)) return;
        if (event.key !== 'ContextMenu' && !(event.key === 'F10' && event.shiftKey)) return;
        event.preventDefault();
        const rect = (event.target as HTMLElement).getBoundingClientRect();
        setMenuAt({ x: rect.left, y: rect.bottom });
      }}
    >
      {beginning && (
        <p className="flex justify-center pt-4 pb-1 text-xs text-zinc-600 dark:text-zinc-400">
          This is the beginning of the conversation.
        </p>
      )}
      {layout.newDay && (
        <div className="flex justify-center py-3">
          <span className="rounded-full bg-zinc-200/80 px-3 py-1 text-xs font-medium text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
            {dayLabel(message.createdAt, now)}
          </span>
        </div>
      )}
      {layout.unreadDivider && (
        <div className="flex items-center gap-3 py-2" role="separator" aria-label="New messages">
          <span className="h-px flex-1 bg-red-400/60" />
          <span className="text-xs font-semibold text-red-700 uppercase dark:text-red-400">
            New messages
          </span>
          <span className="h-px flex-1 bg-red-400/60" />
        </div>
      )}
      {systemLine !== null ? (
        <p
          data-testid="system-message"
          className="flex justify-center py-1.5 text-center text-xs text-zinc-600 dark:text-zinc-400"
        >
          <span className="rounded-full bg-zinc-100 px-3 py-1 dark:bg-zinc-800/80">
            {systemLine}
            <time
              dateTime={message.createdAt}
              title={exactTime(message.createdAt)}
              className="ml-2 text-[11px] text-zinc-500 dark:text-zinc-400"
            >
              {clockTime(message.createdAt)}
            </time>
          </span>
        </p>
      ) : (
        <div className={`flex items-end gap-2 ${mine ? 'justify-end' : 'justify-start'}`}>
          {!mine && showSender && (
            <span className="w-8 shrink-0">
              {layout.groupEnd && (
                <Avatar
                  id={message.senderId}
                  name={senderName}
                  size="sm"
                  picture={
                    senderAvatarId === null
                      ? null
                      : { kind: 'user', id: message.senderId, avatarId: senderAvatarId }
                  }
                />
              )}
            </span>
          )}
          <div
            className={`flex max-w-[min(75%,40rem)] min-w-0 flex-col ${mine ? 'items-end' : 'items-start'}`}
          >
            {!mine && showSender && layout.groupStart && (
              <span className="mb-0.5 ml-3 text-xs font-medium text-zinc-600 dark:text-zinc-400">
                {senderName}
              </span>
            )}
            <div
              className={`max-w-full rounded-2xl px-3 py-1.5 text-[15px] leading-snug ${bubble} ${failed ? 'opacity-70' : ''} ${ring}`}
            >
              {message.replyTo !== null && !deleted && (
                <ReplyQuote
                  replyTo={message.replyTo}
                  senderName={nameOf(message.replyTo.senderId)}
                  mine={mine}
                  onJump={onJumpTo}
                />
              )}
              <MessageAttachments attachments={message.attachments ?? []} />
              {/* `anywhere`, not `break-word`: only it lets a 300-character word or URL shrink
                the bubble's minimum width, so the bubble stays inside the column. */}
              {deleted ? (
                <span data-testid="message-deleted" className="italic opacity-80">
                  This message was deleted
                </span>
              ) : (
                <span data-testid="message-body" className="whitespace-pre-wrap wrap-anywhere">
                  <MessageText
                    body={message.body}
                    linkClassName={`underline underline-offset-2 ${mine ? 'text-white' : 'text-blue-600 dark:text-blue-400'}`}
                    mentions={{
                      className: `rounded px-0.5 font-semibold ${mine ? 'bg-blue-500' : 'bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-200'}`,
                      selfUsername,
                      // Like Slack: a mention of the reader is a strong yellow highlight.
                      selfClassName:
                        'rounded bg-amber-300 px-0.5 font-bold text-amber-950 underline decoration-2 underline-offset-2 dark:bg-amber-400 dark:text-black',
                    }}
                  />
                </span>
              )}
              <span
                className={`float-right mt-1.5 ml-2 inline-flex translate-y-0.5 items-center gap-1 text-[11px] leading-none ${
                  mine ? 'text-blue-50' : 'text-zinc-600 dark:text-zinc-400'
                }`}
              >
                {message.changePending === true && (
                  <span
                    data-testid="change-pending"
                    role="img"
                    aria-label="Change not applied yet: waiting for the connection"
                    title="Your change will be applied when you are back online"
                    className="inline-flex"
                  >
                    <ClockIcon className="size-3" />
                  </span>
                )}
                {message.editedAt !== null && !deleted && (
                  <span data-testid="message-edited" title={exactTime(message.editedAt)}>
                    edited
                  </span>
                )}
                <time dateTime={message.createdAt} title={exactTime(message.createdAt)}>
                  {clockTime(message.createdAt)}
                </time>
                {mine && <DeliveryMark message={message} />}
              </span>
            </div>
            {failed && <FailedActions message={message} />}
            {message.changeError !== undefined && (
              <p
                data-testid="change-refused"
                role="alert"
                className="mt-1 text-xs text-red-600 dark:text-red-400"
              >
                Your change was not applied: {message.changeError.message}
              </p>
            )}
            {message.state === 'waiting' && (
              <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
                Waiting for connection — will send when you're back online
              </p>
            )}
            <ReactionChips message={message} selfId={selfId} nameOf={nameOf} />
            <MessageActions
              message={message}
              selfId={selfId}
              senderName={senderName}
              canDelete={mine || canDeleteOthers}
              menuAt={menuAt}
              onMenu={setMenuAt}
            />
          </div>
        </div>
      )}
    </div>
  );
});
