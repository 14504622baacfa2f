import { describe, expect, it, vi } from 'vitest';
import { NOTIFICATION_COALESCING, type NotificationLevel } from '@chat/protocol';
import type { ConversationView, LocalMessage } from './bridge';
import {
  createNotifier,
  decideNotification,
  notificationContent,
  type NativeNotification,
  type NotifyContext,
} from './notifications';

const NOW = Date.parse('2026-11-26T10:00:00.000Z');

function message(overrides: Partial<LocalMessage> = {}): LocalMessage {
  return {
    key: 'u2:m1',
    conversationId: 'c1',
    clientId: 'm1',
    senderId: 'u2',
    body: 'hello there',
    createdAt: new Date(NOW - 1000).toISOString(),
    id: 'id1',
    seq: 1,
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
    ...overrides,
  };
}

function context(overrides: Partial<NotifyContext> = {}): NotifyContext {
  return {
    windowFocused: false,
    activeConversationId: null,
    doNotDisturb: false,
    isMuted: () => false,
    ...overrides,
  };
}

describe('decideNotification', () => {
  it('notifies a message from someone else while the window is in the background', () => {
    expect(decideNotification(message(), context())).toEqual({ notify: true });
  });

  it('notifies when the window is focused on another conversation', () => {
    expect(
      decideNotification(message(), context({ windowFocused: true, activeConversationId: 'c2' })),
    ).toEqual({ notify: true });
  });

  it('notifies when the conversation is open but the window is not focused', () => {
    expect(
      decideNotification(message(), context({ windowFocused: false, activeConversationId: 'c1' })),
    ).toEqual({ notify: true });
  });

  it('stays quiet for the conversation the user is looking at', () => {
    expect(
      decideNotification(message(), context({ windowFocused: true, activeConversationId: 'c1' })),
    ).toEqual({ notify: false, why: 'visible' });
  });

  it('stays quiet for own messages, even from another device', () => {
    expect(decideNotification(message({ mine: true }), context())).toEqual({
      notify: false,
      why: 'own',
    });
  });

  it('stays quiet for a muted conversation', () => {
    expect(decideNotification(message(), context({ isMuted: (id) => id === 'c1' }))).toEqual({
      notify: false,
      why: 'muted',
    });
  });

  it('stays quiet in do-not-disturb', () => {
    expect(decideNotification(message(), context({ doNotDisturb: true }))).toEqual({
      notify: false,
      why: 'dnd',
    });
  });

  it('stays quiet for a message already read on another device', () => {
    expect(decideNotification(message({ seq: 4 }), context(), { lastReadSeq: 4 })).toEqual({
      notify: false,
      why: 'read',
    });
    expect(decideNotification(message({ seq: 5 }), context(), { lastReadSeq: 4 })).toEqual({
      notify: true,
    });
  });

  it('announces a live message whatever the local clock says', () => {
    // This computer's clock runs 15 minutes ahead of the server's.
    const skewed = message({ createdAt: new Date(NOW - 15 * 60_000).toISOString() });
    expect(decideNotification(skewed, context())).toEqual({ notify: true });
  });

  it('stays quiet for a message that is not stored yet', () => {
    expect(decideNotification(message({ seq: null }), context())).toMatchObject({
      notify: false,
    });
  });
});

const group: Pick<ConversationView, 'type' | 'title' | 'members'> = {
  type: 'group',
  title: 'Team',
  members: [{ id: 'u2', username: 'alice', displayName: 'Alice', createdAt: '' }],
};

describe('notificationContent', () => {
  it('names the sender and the group', () => {
    expect(notificationContent(message(), group)).toEqual({
      title: 'Alice in Team',
      body: 'hello there',
    });
    expect(notificationContent(message(), { ...group, type: 'direct', title: null }).title).toBe(
      'Alice',
    );
  });

  it('shortens long bodies without splitting a character', () => {
    const body = '😀'.repeat(300);
    const content = notificationContent(message({ body }), group);
    expect(Array.from(content.body)).toHaveLength(200);
    expect(content.body.endsWith('…')).toBe(true);
  });
});

describe('notifier', () => {
  function setup(ctx: Partial<NotifyContext> = {}) {
    const shown: { title: string; body: string; handlers: (() => void)[]; closed: boolean }[] = [];
    const openConversation = vi.fn();
    const notifier = createNotifier({
      isSupported: () => true,
      create(content): NativeNotification {
        const entry = { ...content, handlers: [] as (() => void)[], closed: false };
        return {
          on: (_event, listener) => entry.handlers.push(listener),
          show: () => shown.push(entry),
          close: () => {
            entry.closed = true;
          },
        };
      },
      context: () => context(ctx),
      conversation: () => ({ ...group }) as ConversationView,
      openConversation,
    });
    return { notifier, shown, openConversation };
  }

  it('shows a notification whose click opens the conversation', () => {
    const { notifier, shown, openConversation } = setup();
    notifier.onIncoming(message());
    expect(shown).toHaveLength(1);
    shown[0]?.handlers.forEach((h) => h());
    expect(openConversation).toHaveBeenCalledWith('c1');
  });

  it('announces each message once, though its events repeat', () => {
    const { notifier, shown } = setup();
    notifier.onIncoming(message());
    notifier.onIncoming(message({ state: 'sent' }));
    expect(shown).toHaveLength(1);
  });

  it('coalesces a burst by the rule pushes follow: the first at once, then the newest', () => {
    vi.useFakeTimers();
    try {
      const { notifier, shown } = setup();
      for (let seq = 1; seq <= 50; seq++) {
        notifier.onIncoming(
          message({ seq, key: `u2:m${seq}`, clientId: `m${seq}`, body: `burst ${seq}` }),
        );
      }
      expect(shown.map((n) => n.body)).toEqual(['burst 1']);
      vi.advanceTimersByTime(NOTIFICATION_COALESCING.intervalMs);
      expect(shown.map((n) => n.body)).toEqual(['burst 1', 'burst 50']);
      // One notification per conversation stays on screen.
      expect(shown[0]?.closed).toBe(true);
      expect(shown[1]?.closed).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('follows the conversation level: mentions only at "mentions", nothing at "none"', () => {
    let level: NotificationLevel = 'mentions';
    const { notifier, shown } = setup({ selfId: 'me', levelOf: () => level });
    notifier.onIncoming(message({ seq: 1, mentions: [] }));
    expect(shown).toHaveLength(0);
    notifier.onIncoming(message({ seq: 2, key: 'u2:m2', clientId: 'm2', mentions: ['me'] }));
    expect(shown).toHaveLength(1);
    level = 'none';
    expect(
      decideNotification(message({ seq: 3, mentions: ['me'] }), {
        ...context(),
        selfId: 'me',
        levelOf: () => level,
      }),
    ).toEqual({ notify: false, why: 'level' });
  });

  it('shows nothing when the decision says no', () => {
    const { notifier, shown } = setup({ doNotDisturb: true });
    notifier.onIncoming(message());
    expect(shown).toHaveLength(0);
  });
});
