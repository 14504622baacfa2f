import { describe, expect, it, vi } from 'vitest';
import type { ChatEvent, ConversationView, LocalMessage } from '../../shared/bridge';
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

function setup(focused = false) {
  const trays: TrayState[] = [];
  const badges: number[] = [];
  const sent: ChatEvent[] = [];
  const shown: { title: string; click: () => void }[] = [];
  const showWindow = vi.fn();
  const deps: ShellDeps = {
    settings: createSettingsStore(electronSettingsStorage(createMemoryKeyValueStore())),
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
  };
  const shell = createShell(deps);
  shell.onCoreEvent({
    type: 'session',
    session: { user: { ...alice, id: 'u1' }, serverUrl: 'http://x' },
    reason: 'restored',
  });
  return { shell, trays, badges, sent, shown, showWindow };
}

describe('desktop shell', () => {
  it('keeps tray and badge at the unread total, muted conversations left out', () => {
    const { shell, badges, trays } = setup();
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c1', 2) });
    shell.onCoreEvent({ type: 'conversation', conversation: conversation('c2', 3) });
    expect(badges.at(-1)).toBe(5);
    shell.services.setMuted('c2', true);
    expect(badges.at(-1)).toBe(2);
    expect(trays.at(-1)).toEqual({ unread: 2, doNotDisturb: false, signedIn: true });
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
