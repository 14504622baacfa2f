import { describe, expect, it } from 'vitest';
import {
  fail,
  ok,
  done,
  type ChatBridge,
  type ChatEventListener,
  type ConversationView,
  type Result,
  type SessionInfo,
  type ShellSettings,
} from '../../shared/bridge';
import { initialState, reducer, type Action } from '../store/reducer';
import { connectStore, createChatStore } from '../store/store';
import { changeDoNotDisturb, changeNotificationLevel, levelOf } from './preferences';

const run = (actions: Action[]) => actions.reduce(reducer, initialState);
const settingsEvent = (settings: ShellSettings): Action => ({
  type: 'event',
  event: { type: 'settings', settings },
});
const loaded: ShellSettings = {
  doNotDisturb: false,
  mutedConversationIds: ['c2'],
  sessionPersistence: { persistent: true },
};

function conversation(id: string): ConversationView {
  return {
    id,
    type: 'group',
    title: 'Team',
    members: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    lastMessage: null,
    lastReadSeq: 0,
    unreadCount: 0,
    receipts: [],
    lastActivityAt: '2026-01-01T00:00:00.000Z',
    admins: [],
    notifications: 'all',
  };
}
const withConversations: Action = {
  type: 'conversations-loaded',
  conversations: [conversation('c1'), conversation('c2')],
};

describe('notification level and do-not-disturb state', () => {
  it('a level shows at once on that conversation only; the server copy replaces it', () => {
    const state = run([
      withConversations,
      { type: 'set-notification-level', conversationId: 'c1', level: 'none' },
    ]);
    expect(levelOf(state.conversations.c1)).toBe('none');
    expect(levelOf(state.conversations.c2)).toBe('all');
    // Another device set "Mentions": the core's conversation event carries it.
    const synced = reducer(state, {
      type: 'event',
      event: {
        type: 'conversation',
        conversation: { ...conversation('c1'), notifications: 'mentions' },
      },
    });
    expect(levelOf(synced.conversations.c1)).toBe('mentions');
    // Nothing for a conversation not held.
    expect(
      reducer(synced, { type: 'set-notification-level', conversationId: 'zz', level: 'none' }),
    ).toBe(synced);
  });

  it('works before the preferences arrived, from the defaults', () => {
    const state = run([{ type: 'set-do-not-disturb', enabled: true }]);
    expect(state.settings).toEqual({ doNotDisturb: true, mutedConversationIds: [] });
  });

  it('follows the shell: do-not-disturb switched in the tray replaces what the UI showed', () => {
    const state = run([
      settingsEvent(loaded),
      { type: 'set-do-not-disturb', enabled: false },
      settingsEvent({ ...loaded, doNotDisturb: true }),
    ]);
    expect(state.settings?.doNotDisturb).toBe(true);
  });

  it('keeps the preferences across a change of account (they belong to the device)', () => {
    const user = { id: 'u1', username: 'ann', displayName: 'Ann', createdAt: '' };
    const session: SessionInfo = { user, serverUrl: 'http://x' };
    const state = run([
      settingsEvent(loaded),
      { type: 'event', event: { type: 'session', session, reason: 'signed-in' } },
      { type: 'event', event: { type: 'session', session: null, reason: 'signed-out' } },
    ]);
    expect(state.settings).toEqual(loaded);
  });
});

type PreferenceBridge = Pick<ChatBridge, 'setNotificationLevel' | 'setDoNotDisturb'>;

function bridgeAnswering(answer: Result<null>): PreferenceBridge & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    setNotificationLevel: (args) => {
      calls.push(args);
      return Promise.resolve(
        answer.ok
          ? ok({ ...conversation(args.conversationId), notifications: args.level })
          : answer,
      );
    },
    setDoNotDisturb: (args) => {
      calls.push(args);
      return Promise.resolve(answer);
    },
  };
}

describe('changing a preference through the bridge', () => {
  it('asks the bridge and keeps the new value when it agrees', async () => {
    const store = createChatStore(run([settingsEvent(loaded), withConversations]));
    const bridge = bridgeAnswering(done());
    expect(await changeNotificationLevel(store, bridge, 'c1', 'mentions')).toBeNull();
    expect(await changeDoNotDisturb(store, bridge, true)).toBeNull();
    expect(bridge.calls).toEqual([{ conversationId: 'c1', level: 'mentions' }, { enabled: true }]);
    expect(store.getState().settings).toMatchObject({ doNotDisturb: true });
    expect(levelOf(store.getState().conversations.c1)).toBe('mentions');
  });

  it('shows the change before the bridge answers, and puts it back with a reason when refused', async () => {
    const store = createChatStore(run([settingsEvent(loaded), withConversations]));
    let answer: (result: Result<ConversationView>) => void = () => undefined;
    const pending = changeNotificationLevel(
      store,
      {
        setNotificationLevel: () => new Promise((resolve) => (answer = resolve)),
        setDoNotDisturb: () => Promise.resolve(done()),
      },
      'c2',
      'none',
    );
    expect(levelOf(store.getState().conversations.c2)).toBe('none');
    answer(fail('network', 'The server cannot be reached.'));
    expect(await pending).toBe('Could not change the notifications: The server cannot be reached.');
    expect(levelOf(store.getState().conversations.c2)).toBe('all');

    const refused = bridgeAnswering(fail('unsupported', 'not here'));
    expect(await changeDoNotDisturb(store, refused, true)).toBe(
      'Could not turn do not disturb on: not here',
    );
    expect(store.getState().settings?.doNotDisturb).toBe(false);
  });
});

describe('connecting the store', () => {
  it('a do-not-disturb change that arrives while the session is still being read is not undone', async () => {
    let emit: ChatEventListener = () => undefined;
    let answerSession: (result: Result<SessionInfo | null>) => void = () => undefined;
    const store = createChatStore();
    const connected = connectStore(store, {
      onEvent(listener) {
        emit = listener;
        return () => undefined;
      },
      getSession: () => new Promise((resolve) => (answerSession = resolve)),
      getConnectionStatus: () => Promise.resolve(ok('online' as const)),
      getSettings: () => Promise.resolve(ok(loaded)),
    });
    // Let getSettings answer, then the tray flips do-not-disturb before getSession answers.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.getState().settings).toEqual(loaded);
    emit({ type: 'settings', settings: { ...loaded, doNotDisturb: true } });
    answerSession(ok(null));
    await connected;
    expect(store.getState()).toMatchObject({ ready: true, settings: { doNotDisturb: true } });
  });
});
