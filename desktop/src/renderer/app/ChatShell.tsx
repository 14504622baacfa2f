import { useEffect, useState } from 'react';
import type { SessionInfo } from '../../shared/bridge';
import { draftsFor } from '../composer/drafts';
import { ConversationPane } from '../conversation/ConversationPane';
import { ConversationList } from '../conversations/ConversationList';
import { NewChatDialog } from '../conversations/NewChatDialog';
import { NewGroupDialog } from '../conversations/NewGroupDialog';
import { UpdatePromptBanner } from '../app-status/UpdatePrompt';
import { changeDoNotDisturb } from '../preferences/preferences';
import { NotificationSettingsDialog } from '../preferences/NotificationSettings';
import { SettingsDialog, type SettingsSection } from '../settings/SettingsDialog';
import { requestJump } from '../search/jump';
import { SearchPanel } from '../search/SearchPanel';
import { getAppStore, useChat } from '../store/store';
import { Avatar, userPicture } from '../ui/Avatar';
import { ICON_BUTTON } from '../ui/buttons';
import {
  BellIcon,
  BellSlashIcon,
  ChatBubblesIcon,
  ComposeIcon,
  GroupIcon,
  EllipsisIcon,
  GearIcon,
  PersonIcon,
  SignOutIcon,
} from '../ui/icons';
import { MenuButton, MenuCheckboxItem, MenuItem, MenuSeparator } from '../ui/Menu';
import { useConversationAddress } from './address';
import { ConnectionBanner, SessionPersistenceNotice } from './ConnectionBanner';
import { SignOutDialog } from './SignOutDialog';
import { APP_TITLE, unreadTitle } from './title';
import { useSessionData } from './useSessionData';

export function ChatShell({
  session,
  addresses = false,
}: {
  session: SessionInfo;
  /** The web client: each open conversation has an address (`/c/ID`). */
  addresses?: boolean;
}) {
  const selfId = session.user.id;
  useSessionData(selfId);
  useConversationAddress(addresses);
  const title = useChat((s) => unreadTitle(s.conversations));
  const activeId = useChat((s) => s.activeId);
  const active = useChat((s) =>
    s.activeId === null ? null : (s.conversations[s.activeId] ?? null),
  );
  const notice = useChat((s) => s.notice);
  const [dialog, setDialog] = useState<
    'direct' | 'group' | 'notifications' | 'settings' | 'search' | null
  >(null);
  const [settingsSection, setSettingsSection] = useState<SettingsSection>('profile');
  const openSettings = (section: SettingsSection) => {
    setSettingsSection(section);
    setDialog('settings');
  };
  const [searchText, setSearchText] = useState('');
  const openSearch = (text = '') => {
    setSearchText(text);
    setDialog('search');
  };

  // Ctrl/Cmd+K or Ctrl/Cmd+F: search messages (instead of the page's find, which only
  // sees what the virtual list has on screen).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const key = event.key.toLowerCase();
      if (key !== 'k' && key !== 'f') return;
      event.preventDefault();
      setSearchText('');
      setDialog((current) => (current === null ? 'search' : current));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const doNotDisturb = useChat((s) => s.settings?.doNotDisturb ?? false);
  const [preferenceError, setPreferenceError] = useState<string | null>(null);

  // The shell uses it to skip notifications for the conversation on screen.
  useEffect(() => {
    void window.chat.setActiveConversation({ conversationId: activeId });
  }, [activeId]);

  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(
    () => () => {
      document.title = APP_TITLE;
    },
    [],
  );

  const [unsentAtSignOut, setUnsentAtSignOut] = useState<number | null>(null);
  const finishSignOut = (unsent: 'keep' | 'discard') => {
    setUnsentAtSignOut(null);
    // Unsent drafts are this account's; they do not outlive its session in this tab.
    draftsFor(selfId).clear();
    void window.chat.signOut({ unsent });
  };
  const signOut = async () => {
    const count = await window.chat.countUnsent();
    if (count.ok && count.value > 0) setUnsentAtSignOut(count.value);
    else finishSignOut('keep');
  };

  const select = (conversationId: string | null) =>
    getAppStore().dispatch({ type: 'select', conversationId });

  return (
    <div className="flex h-full flex-col">
      <SessionPersistenceNotice />
      <UpdatePromptBanner />
      <ConnectionBanner />
      <div className="flex min-h-0 flex-1">
        <aside
          aria-label="Conversations"
          className={`${active ? 'hidden md:flex' : 'flex'} w-full flex-col border-r border-zinc-200 bg-white md:w-80 md:shrink-0 dark:border-zinc-800 dark:bg-zinc-900`}
        >
          {/* The page's one top-level heading, for those who navigate by headings. */}
          <h1 className="sr-only">{APP_TITLE}</h1>
          <header className="flex items-center gap-2.5 border-b border-zinc-200 py-3 pr-2 pl-4 dark:border-zinc-800">
            <Avatar
              id={selfId}
              name={session.user.displayName}
              size="sm"
              picture={userPicture(session.user)}
            />
            <div className="min-w-0 flex-1">
              <p className="truncate text-sm font-semibold" title={session.user.displayName}>
                {session.user.displayName}
              </p>
              {doNotDisturb ? (
                <p className="flex items-center gap-1 text-xs text-amber-700 dark:text-amber-400">
                  <BellSlashIcon className="size-3.5 shrink-0" />
                  <span className="truncate">Do not disturb</span>
                </p>
              ) : (
                <p className="truncate text-xs text-zinc-600 dark:text-zinc-400">
                  @{session.user.username}
                </p>
              )}
            </div>
            <button
              type="button"
              className={ICON_BUTTON}
              onClick={() => setDialog('direct')}
              aria-label="New chat"
              title="New chat"
            >
              <ComposeIcon />
            </button>
            <MenuButton label="More options" icon={<EllipsisIcon />}>
              <MenuItem icon={<PersonIcon />} onSelect={() => openSettings('profile')}>
                Profile…
              </MenuItem>
              <MenuItem icon={<GroupIcon />} onSelect={() => setDialog('group')}>
                New group
              </MenuItem>
              <MenuSeparator />
              <MenuCheckboxItem
                icon={<BellSlashIcon />}
                checked={doNotDisturb}
                onToggle={() => {
                  setPreferenceError(null);
                  void changeDoNotDisturb(getAppStore(), window.chat, !doNotDisturb).then(
                    setPreferenceError,
                  );
                }}
              >
                Do not disturb
              </MenuCheckboxItem>
              <MenuItem icon={<BellIcon />} onSelect={() => setDialog('notifications')}>
                Notification settings…
              </MenuItem>
              <MenuItem icon={<GearIcon />} onSelect={() => openSettings('profile')}>
                Settings…
              </MenuItem>
              <MenuSeparator />
              <MenuItem icon={<SignOutIcon />} onSelect={() => void signOut()}>
                Sign out
              </MenuItem>
            </MenuButton>
          </header>
          {preferenceError !== null && (
            <p
              role="alert"
              className="border-b border-red-200 bg-red-50 px-4 py-2 text-xs text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-300"
            >
              {preferenceError}
            </p>
          )}
          <ConversationList
            selfId={selfId}
            activeId={activeId}
            onSelect={select}
            onNewChat={() => setDialog('direct')}
            onSearchMessages={openSearch}
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
            <div className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center text-zinc-600 dark:text-zinc-400">
              {notice !== null && (
                <p
                  role="status"
                  className="flex items-center gap-2 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100"
                >
                  {notice}
                  <button
                    type="button"
                    onClick={() => getAppStore().dispatch({ type: 'dismiss-notice' })}
                    className="rounded px-1.5 font-semibold hover:bg-amber-100 dark:hover:bg-amber-900"
                    aria-label="Dismiss"
                  >
                    ×
                  </button>
                </p>
              )}
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
      <SignOutDialog
        unsent={unsentAtSignOut}
        onChoose={finishSignOut}
        onClose={() => setUnsentAtSignOut(null)}
      />
      <NewChatDialog
        open={dialog === 'direct'}
        onClose={() => setDialog(null)}
        onOpened={(id) => {
          setDialog(null);
          select(id);
        }}
      />
      <SearchPanel
        open={dialog === 'search'}
        initialText={searchText}
        selfId={selfId}
        activeId={activeId}
        onClose={() => setDialog(null)}
        onOpen={(conversationId, seq) => {
          setDialog(null);
          requestJump(conversationId, seq);
          select(conversationId);
        }}
      />
      <NotificationSettingsDialog
        open={dialog === 'notifications'}
        onClose={() => setDialog(null)}
      />
      <SettingsDialog
        open={dialog === 'settings'}
        onClose={() => setDialog(null)}
        session={session}
        initial={settingsSection}
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
