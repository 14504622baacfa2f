import { describe, expect, it, vi } from 'vitest';
import { NOTIFICATION_COALESCING } from '@chat/protocol';
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
    system: null,
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
    selfId: 'u1',
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

  it('follows the conversation level: all notifies, none never', () => {
    const at = (notifications: 'all' | 'mentions' | 'none') => ({ lastReadSeq: 0, notifications });
    expect(decideNotification(message(), context(), at('all'))).toEqual({ notify: true });
    expect(decideNotification(message(), context(), at('none'))).toEqual({
      notify: false,
      why: 'muted',
    });
    // Not even a mention gets through "Nothing".
    expect(decideNotification(message({ mentions: ['u1'] }), context(), at('none'))).toEqual({
      notify: false,
      why: 'muted',
    });
  });

  it('at the mentions level notifies only a message that names the user', () => {
    const mentions = { lastReadSeq: 0, notifications: 'mentions' as const };
    expect(decideNotification(message(), context(), mentions)).toEqual({
      notify: false,
      why: 'not-mentioned',
    });
    expect(decideNotification(message({ mentions: ['u3'] }), context(), mentions)).toEqual({
      notify: false,
      why: 'not-mentioned',
    });
    expect(decideNotification(message({ mentions: ['u3', 'u1'] }), context(), mentions)).toEqual({
      notify: true,
    });
    // Without a known user nothing can name them.
    expect(
      decideNotification(message({ mentions: ['u1'] }), context({ selfId: null }), mentions),
    ).toEqual({ notify: false, why: 'not-mentioned' });
  });

  it('do-not-disturb wins over a mention', () => {
    const mentions = { lastReadSeq: 0, notifications: 'mentions' as const };
    expect(
      decideNotification(message({ mentions: ['u1'] }), context({ doNotDisturb: true }), mentions),
    ).toEqual({ notify: false, why: 'dnd' });
  });

  it('never notifies a group change (a system message)', () => {
    const system = message({
      kind: 'system',
      body: '',
      system: { event: 'member_added', actorId: 'u2', userIds: ['u1'], title: null },
    });
    expect(decideNotification(system, context())).toEqual({ notify: false, why: 'system' });
  });

  it('stays quiet in do-not-disturb', () => {
    expect(decideNotification(message(), context({ doNotDisturb: true }))).toEqual({
      notify: false,
      why: 'dnd',
    });
  });

  it('stays quiet for a message already read on another device', () => {
    const read = { lastReadSeq: 4, notifications: 'all' as const };
    expect(decideNotification(message({ seq: 4 }), context(), read)).toEqual({
      notify: false,
      why: 'read',
    });
    expect(decideNotification(message({ seq: 5 }), context(), read)).toEqual({
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

  it('shows nothing when the decision says no', () => {
    const { notifier, shown } = setup({ doNotDisturb: true });
    notifier.onIncoming(message());
    expect(shown).toHaveLength(0);
  });

  it('takes a notification down once the conversation is read, here or on another device', () => {
    const { notifier, shown } = setup();
    notifier.onIncoming(message({ seq: 3 }));
    notifier.onConversation({ id: 'c1', lastReadSeq: 2 });
    expect(shown[0]?.closed).toBe(false);
    notifier.onConversation({ id: 'c2', lastReadSeq: 9 });
    expect(shown[0]?.closed).toBe(false);
    notifier.onConversation({ id: 'c1', lastReadSeq: 3 });
    expect(shown[0]?.closed).toBe(true);
  });
});
