import { useEffect, useState } from 'react';
import type { ConversationView } from '../../shared/bridge';
import { Composer } from '../composer/Composer';
import { MuteButton } from '../preferences/MuteButton';
import { DirectConversationMenu } from '../settings/BlockMenu';
import { GroupAvatarDialog } from '../profile/GroupAvatarDialog';
import { useChat } from '../store/store';
import { Avatar, conversationPicture } from '../ui/Avatar';
import { ICON_BUTTON, SECONDARY_BUTTON } from '../ui/buttons';
import { useNow } from '../ui/hooks';
import { BackIcon } from '../ui/icons';
import { conversationTitle, otherMember, typingText } from '../ui/names';
import { lastSeen } from '../ui/time';
import { ConversationDetails } from './ConversationDetails';
import { loadLatest } from './history';
import { MessageList } from './MessageList';

const NOBODY: readonly string[] = [];

function Subtitle({ conversation, selfId }: { conversation: ConversationView; selfId: string }) {
  const typists = useChat((s) => s.typing[conversation.id]) ?? NOBODY;
  const presence = useChat((s) => s.presence);
  const now = useNow(30_000);
  if (typists.length > 0) {
    return (
      <span className="text-blue-600 dark:text-blue-400">
        {conversation.type === 'direct' ? 'typing…' : typingText(conversation, typists)}
      </span>
    );
  }
  if (conversation.type === 'direct') {
    const other = otherMember(conversation, selfId);
    const p = other === null ? undefined : presence[other.id];
    if (p === undefined) return <span>&nbsp;</span>;
    return p.online ? (
      <span className="text-emerald-700 dark:text-emerald-400">online</span>
    ) : (
      <span>{lastSeen(p.lastSeenAt, now)}</span>
    );
  }
  const online = conversation.members.filter(
    (m) => m.id !== selfId && presence[m.id]?.online === true,
  ).length;
  return (
    <span>
      {conversation.members.length} members{online > 0 ? `, ${online} online` : ''}
    </span>
  );
}

export function ConversationPane({
  conversation,
  selfId,
  onBack,
}: {
  conversation: ConversationView;
  selfId: string;
  onBack: () => void;
}) {
  const list = useChat((s) => s.messages[conversation.id]);
  const title = conversationTitle(conversation, selfId);
  const other = conversation.type === 'direct' ? otherMember(conversation, selfId) : null;
  const online = useChat((s) =>
    // Unknown (disconnected, or not fetched yet): no dot rather than a guess.
    other === null ? undefined : s.presence[other.id]?.online,
  );
  const canEditPicture = conversation.type === 'group' && conversation.admins.includes(selfId);
  const [editingPicture, setEditingPicture] = useState(false);

  const [detailsOpen, setDetailsOpen] = useState(false);

  useEffect(() => {
    if (list?.loaded !== true) void loadLatest(conversation.id, conversation.unreadCount);
    // Only on opening (the pane is keyed by conversation): later changes arrive as events.
  }, [conversation.id]);

  return (
    <section aria-label={title} className="flex min-h-0 flex-1 flex-col">
      <header className="flex items-center gap-3 border-b border-zinc-200 bg-white px-4 py-2.5 dark:border-zinc-800 dark:bg-zinc-900">
        <button
          type="button"
          onClick={onBack}
          aria-label="Back to conversations"
          className={`${ICON_BUTTON} md:hidden`}
        >
          <BackIcon />
        </button>
        {canEditPicture ? (
          <button
            type="button"
            onClick={() => setEditingPicture(true)}
            aria-label="Change the group's picture"
            title="Change the group's picture"
            className="rounded-full focus-visible:ring-2 focus-visible:ring-blue-500"
          >
            <Avatar
              id={conversation.id}
              name={title}
              picture={conversationPicture(conversation, other)}
            />
          </button>
        ) : (
          <Avatar
            id={other?.id ?? conversation.id}
            name={title}
            online={online}
            picture={conversationPicture(conversation, other)}
          />
        )}
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-base font-semibold">
            {/* The header's name opens the details panel (members, name, notifications). */}
            <button
              type="button"
              onClick={() => setDetailsOpen(true)}
              aria-haspopup="dialog"
              title="Conversation details"
              className="max-w-full truncate rounded text-left hover:underline"
            >
              {title}
            </button>
          </h2>
          <p className="truncate text-xs text-zinc-600 dark:text-zinc-400" aria-live="polite">
            <Subtitle conversation={conversation} selfId={selfId} />
          </p>
        </div>
        <button
          type="button"
          onClick={() => setDetailsOpen(true)}
          aria-haspopup="dialog"
          aria-label="Conversation details"
          title="Conversation details"
          className={ICON_BUTTON}
        >
          <svg viewBox="0 0 20 20" className="size-5" fill="currentColor" aria-hidden="true">
            <path
              fillRule="evenodd"
              d="M18 10a8 8 0 1 1-16 0 8 8 0 0 1 16 0Zm-7-4a1 1 0 1 1-2 0 1 1 0 0 1 2 0ZM9 9a.75.75 0 0 0 0 1.5h.253a.25.25 0 0 1 .244.304l-.459 2.066A1.75 1.75 0 0 0 10.747 15H11a.75.75 0 0 0 0-1.5h-.253a.25.25 0 0 1-.244-.304l.459-2.066A1.75 1.75 0 0 0 9.253 9H9Z"
              clipRule="evenodd"
            />
          </svg>
        </button>
        <MuteButton conversationId={conversation.id} />
        {other !== null && other.deleted !== true && <DirectConversationMenu other={other} />}
      </header>
      {canEditPicture && (
        <GroupAvatarDialog
          open={editingPicture}
          onClose={() => setEditingPicture(false)}
          conversation={conversation}
        />
      )}

      {list?.loaded === true ? (
        list.items.length === 0 ? (
          <div className="flex flex-1 flex-col items-center justify-center gap-2 p-8 text-center">
            <p className="text-base font-medium text-zinc-700 dark:text-zinc-300">
              No messages yet
            </p>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Say hello to {title}.</p>
          </div>
        ) : (
          <MessageList conversation={conversation} title={title} list={list} />
        )
      ) : list?.error != null ? (
        <div
          className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center"
          role="alert"
        >
          <p className="text-sm text-zinc-600 dark:text-zinc-300">
            Could not load messages: {list.error}
          </p>
          <button
            type="button"
            className={SECONDARY_BUTTON}
            onClick={() => void loadLatest(conversation.id, conversation.unreadCount)}
          >
            Try again
          </button>
        </div>
      ) : (
        <div
          className="flex flex-1 items-center justify-center text-sm text-zinc-600 dark:text-zinc-400"
          role="status"
        >
          Loading messages…
        </div>
      )}

      <Composer conversationId={conversation.id} title={title} selfId={selfId} />
      <ConversationDetails
        conversation={conversation}
        selfId={selfId}
        open={detailsOpen}
        onClose={() => setDetailsOpen(false)}
      />
    </section>
  );
}
