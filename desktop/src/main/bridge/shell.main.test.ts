import { describe, expect, it, vi } from 'vitest';
import {
  done,
  fail,
  type ChatEvent,
  type ConversationView,
  type LocalMessage,
  type NotificationLevel,
  type Result,
} from '../../shared/bridge';
import { createMemoryKeyValueStore } from '../storage/key-value-store.main';
import type { NativeNotification } from '../../shared/notifications';
import { createSettingsStore } from '../../core/storage/settings';
import { electronSettingsStorage } from '../../core/storage/settings.main';
import { createShell, type ShellDeps } from './shell.main';
import type { TrayState } from '../indicators/tray.main';

const NOW = Date.parse('2026-11-26T10:00:00.000Z');
const alice = { id: 'u2', username: 'alice', displayName: 'Alice', createdAt: '' };

function conversation(id: string, unreadCount: number, lastReadSeq = 0): ConversationView {
  return {
    id,
    type: 'direct',
    title: null,
    members: [alice],
    createdAt: '',
    lastMessage: null,
    lastReadSeq,
    unreadCount,
    receipts: [],
    lastActivityAt: '',
    admins: [],
  };
}

function message(conversationId: string, seq: number): LocalMessage {
  return {
    key: `u2:m${seq}`,
    conversationId,
    clientId: `m${seq}`,
    senderId: 'u2',
    body: `hello ${seq}`,
    createdAt: new Date(NOW - 1000).toISOString(),
    id: `id${seq}`,
    seq,
    outboxOrder: null,
    mine: false,
    state: 'sent',
    error: null,
    kind: 'text',
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    reactions: [],
    mentions: [],
  };
}

/** A message that arrived live on the socket. */
function incoming(conversationId: string, seq: number): ChatEvent {
  return { type: 'incoming', message: message(conversationId, seq) };
}

function setup(focused = false, muted: string[] = []) {
  const levels: { conversationId: string; level: NotificationLevel }[] = [];
  let levelAnswer: Result<null> = done();
  const settingsStore = createSettingsStore(electronSettingsStorage(createMemoryKeyValueStore()));
  for (const id of muted) settingsStore.setMuted(id, true);
  const trays: TrayState[] = [];
  const badges: number[] = [];
  const sent: ChatEvent[] = [];
  const shown: { title: string; click: () => void }[] = [];
  const showWindow = vi.fn();
  const deps: ShellDeps = {
    settings: settingsStore,
    sessionPersistence: () => Promise.resolve({ persistent: true }),
    windowFocused: () => focused,
    showWindow,
    toRenderer: (event) => sent.push(event),
    notifications: {
      isSupported: () => true,
      create: (content): NativeNotification => {
        const entry: { title: string; click: () => void } = {
          title: content.title,
          click: () => undefined,
        };
        return {
          on: (_e, listener) => (entry.click = listener),
          show: () => shown.push(entry),
          close: () => undefined,
        };
      },
    },
    updateTray: (state) => trays.push(state),
    updateBadge: (count) => badges.push(count),
    openExternal: () => Promise.resolve(true),
    setNotificationLevel: (conversationId, level) => {
      levels.push({ conversationId, level });
      return Promise.resolve(levelAnswer);
    },
  };
  const shell = createShell(deps);
  shell.onCoreEvent({
    type: 'session',
    session: { user: { ...alice, id: 'u1' }, serverUrl: 'http://x' },
    reason: 'restored',
  });
  const answerLevels = (answer: Result<null>) => (levelAnswer = answer);
  return { shell, trays, badges, sent, shown, showWindow, levels, settingsStore, answerLevels };
}

describe('desktop shell', () => {
  it('keeps tray and badge at the unread total, muted conversations left out', () => {
    const { shell, badges, trays } = setup();
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 2) });
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c2', 3) });
    expect(badges.at(-1)).toBe(5);
    // Muted on any device: the server's level arrives with the conversation.
    shell.onCoreEvent({
      type: 'conversation',
      conversation: { ...conversation('c2', 3), notifications: 'none' },
    });
    expect(badges.at(-1)).toBe(2);
    expect(trays.at(-1)).toEqual({ unread: 2, doNotDisturb: false, signedIn: true });
    // Left the conversation: its count goes with it.
    shell.onCoreEvent({ type: 'conversation-removed', conversationId: 'c1' });
    expect(badges.at(-1)).toBe(0);
  });

  it('hands the old per-device mutes to the server once, as each conversation shows', async () => {
    const { shell, levels, settingsStore, answerLevels } = setup(false, ['c1', 'c2', 'c3']);
    answerLevels(fail('network', 'The server cannot be reached.'));
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 0) });
    await vi.waitFor(() => expect(levels).toHaveLength(1));
    // Let the refused hand-over finish (its promise chain) before the conversation shows again.
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Offline: kept for the next time.
    expect(settingsStore.get().mutedConversationIds).toContain('c1');

    answerLevels(done());
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 0) });
    // Already "Nothing" on the server (another device migrated it): only forgotten here.
    shell.onCoreEvent({
      type: 'conversation',
      conversation: { ...conversation('c2', 0), notifications: 'none' },
    });
    await vi.waitFor(() => expect(settingsStore.get().mutedConversationIds).toEqual(['c3']));
    expect(levels).toEqual([
      { conversationId: 'c1', level: 'none' },
      { conversationId: 'c1', level: 'none' },
    ]);
    // Once migrated, never again.
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 0) });
    expect(levels).toHaveLength(2);
  });

  it('at the "Mentions" level notifies only a message naming the user', () => {
    const { shell, shown } = setup();
    shell.onCoreEvent({
      type: 'conversation',
      conversation: { ...conversation('c1', 0), notifications: 'mentions' },
    });
    shell.onCoreEvent(incoming('c1', 1));
    expect(shown).toEqual([]);
    shell.onCoreEvent({
      type: 'incoming',
      message: { ...message('c1', 2), mentions: ['u1'] },
    });
    expect(shown).toHaveLength(1);
  });

  it('clears counts when the session ends', () => {
    const { shell, badges, trays } = setup();
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 2) });
    shell.onCoreEvent({ type: 'session', session: null, reason: 'signed-out' });
    expect(badges.at(-1)).toBe(0);
    expect(trays.at(-1)?.signedIn).toBe(false);
  });

  it('notifies, and a click shows the window and opens the conversation', () => {
    const { shell, shown, sent, showWindow } = setup();
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 1) });
    shell.onCoreEvent(incoming('c1', 1));
    expect(shown.map((s) => s.title)).toEqual(['Alice']);
    shown[0]?.click();
    expect(showWindow).toHaveBeenCalledOnce();
    expect(sent).toContainEqual({ type: 'open-conversation', conversationId: 'c1' });
  });

  it('stays quiet for messages loaded at sign-in, history pages and catch-up', () => {
    const { shell, shown } = setup();
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 20) });
    for (let seq = 1; seq <= 20; seq++) {
      shell.onCoreEvent({ type: 'message', message: message('c1', seq) });
    }
    expect(shown).toEqual([]);
    shell.onCoreEvent(incoming('c1', 21));
    expect(shown.map((s) => s.title)).toEqual(['Alice']);
  });

  it('stays quiet for a live message already read on another device', () => {
    const { shell, shown } = setup();
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 0, 5) });
    shell.onCoreEvent(incoming('c1', 5));
    expect(shown).toEqual([]);
    shell.onCoreEvent(incoming('c1', 6));
    expect(shown).toHaveLength(1);
  });

  it('stays quiet for the open conversation of a focused window, not for another', () => {
    const { shell, shown } = setup(true);
    shell.services.setActiveConversation('c1');
    shell.onCoreEvent(incoming('c1', 1));
    shell.onCoreEvent(incoming('c2', 1));
    expect(shown).toHaveLength(1);
  });

  it('do-not-disturb from the tray silences notifications and tells the renderer', async () => {
    const { shell, shown, sent, trays } = setup();
    shell.setDoNotDisturb(true);
    shell.onCoreEvent(incoming('c1', 1));
    expect(shown).toHaveLength(0);
    expect(trays.at(-1)?.doNotDisturb).toBe(true);
    await vi.waitFor(() =>
      expect(sent).toContainEqual({
        type: 'settings',
        settings: {
          doNotDisturb: true,
          mutedConversationIds: [],
          sessionPersistence: { persistent: true },
        },
      }),
    );
  });
});
