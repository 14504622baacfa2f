import { useEffect, useId, useRef, useState } from 'react';
import type { SessionInfo } from '../../shared/bridge';
import { ConversationPane } from '../conversation/ConversationPane';
import { ConversationList } from '../conversations/ConversationList';
import { NewChatDialog } from '../conversations/NewChatDialog';
import { NewGroupDialog } from '../conversations/NewGroupDialog';
import { NotificationPanel } from '../preferences/NotificationSettings';
import { getAppStore, useChat } from '../store/store';
import { Avatar } from '../ui/Avatar';
import { ICON_BUTTON } from '../ui/buttons';
import {
  BellIcon,
  BellSlashIcon,
  ChatBubblesIcon,
  ComposeIcon,
  GroupIcon,
  SignOutIcon,
} from '../ui/icons';
import { ConnectionBanner, SessionPersistenceNotice } from './ConnectionBanner';
import { useSessionData } from './useSessionData';

export function ChatShell({ session }: { session: SessionInfo }) {
  const selfId = session.user.id;
  useSessionData(selfId);
  const activeId = useChat((s) => s.activeId);
  const active = useChat((s) =>
    s.activeId === null ? null : (s.conversations[s.activeId] ?? null),
  );
  const [dialog, setDialog] = useState<'direct' | 'group' | null>(null);
  const doNotDisturb = useChat((s) => s.settings?.doNotDisturb ?? false);
  const [notificationsOpen, setNotificationsOpen] = useState(false);
  const notificationsButton = useRef<HTMLButtonElement>(null);
  const notificationsPanelId = useId();

  // The shell uses it to skip notifications for the conversation on screen.
  useEffect(() => {
    void window.chat.setActiveConversation({ conversationId: activeId });
  }, [activeId]);

  const select = (conversationId: string | null) =>
    getAppStore().dispatch({ type: 'select', conversationId });

  return (
    <div className="flex h-full flex-col">
      <SessionPersistenceNotice />
      <ConnectionBanner />
      <div className="flex min-h-0 flex-1">
        <aside
          aria-label="Conversations"
          className={`${active ? 'hidden md:flex' : 'flex'} w-full flex-col border-r border-zinc-200 bg-white md:w-80 md:shrink-0 dark:border-zinc-800 dark:bg-zinc-900`}
        >
          <header className="flex items-center gap-2 border-b border-zinc-200 px-4 py-3 dark:border-zinc-800">
            <Avatar id={selfId} name={session.user.displayName} size="sm" />
            <div className="min-w-0 flex-1">
              <p className="truncate text-sm font-semibold">{session.user.displayName}</p>
              {doNotDisturb ? (
                <p className="truncate text-xs text-amber-600 dark:text-amber-400">
                  Do not disturb
                </p>
              ) : (
                <p className="truncate text-xs text-zinc-500">@{session.user.username}</p>
              )}
            </div>
            <button
              ref={notificationsButton}
              type="button"
              className={`${ICON_BUTTON} ${doNotDisturb ? 'text-amber-600! dark:text-amber-400!' : ''}`}
              onClick={() => setNotificationsOpen((open) => !open)}
              aria-expanded={notificationsOpen}
              aria-controls={notificationsPanelId}
              aria-label="Notifications"
              title={doNotDisturb ? 'Notifications (do not disturb is on)' : 'Notifications'}
            >
              {doNotDisturb ? <BellSlashIcon /> : <BellIcon />}
            </button>
            <button
              type="button"
              className={ICON_BUTTON}
              onClick={() => setDialog('direct')}
              aria-label="New chat"
              title="New chat"
            >
              <ComposeIcon />
            </button>
            <button
              type="button"
              className={ICON_BUTTON}
              onClick={() => setDialog('group')}
              aria-label="New group"
              title="New group"
            >
              <GroupIcon />
            </button>
            <button
              type="button"
              className={ICON_BUTTON}
              onClick={() => void window.chat.signOut()}
              aria-label="Sign out"
              title="Sign out"
            >
              <SignOutIcon />
            </button>
          </header>
          {notificationsOpen && (
            <NotificationPanel
              id={notificationsPanelId}
              onClose={() => setNotificationsOpen(false)}
              returnFocusTo={notificationsButton}
            />
          )}
          <ConversationList
            selfId={selfId}
            activeId={activeId}
            onSelect={select}
            onNewChat={() => setDialog('direct')}
          />
        </aside>
        <main className={`${active ? 'flex' : 'hidden md:flex'} min-w-0 flex-1 flex-col`}>
          {active ? (
            <ConversationPane
              key={active.id}
              conversation={active}
              selfId={selfId}
              onBack={() => select(null)}
            />
          ) : (
            <div className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center text-zinc-500">
              <ChatBubblesIcon className="size-12 text-zinc-300 dark:text-zinc-700" />
              <p className="text-base font-medium text-zinc-700 dark:text-zinc-300">
                No conversation selected
              </p>
              <p className="max-w-xs text-sm">
                Pick a conversation from the list, or start a new one.
              </p>
            </div>
          )}
        </main>
      </div>
      <NewChatDialog
        open={dialog === 'direct'}
        onClose={() => setDialog(null)}
        onOpened={(id) => {
          setDialog(null);
          select(id);
        }}
      />
      <NewGroupDialog
        open={dialog === 'group'}
        onClose={() => setDialog(null)}
        onCreated={(id) => {
          setDialog(null);
          select(id);
        }}
      />
    </div>
  );
}
