import { describe, expect, it } from 'vitest';
import {
  fail,
  ok,
  done,
  type ChatBridge,
  type ChatEventListener,
  type Result,
  type SessionInfo,
  type ShellSettings,
} from '../../shared/bridge';
import { initialState, reducer, type Action } from '../store/reducer';
import { connectStore, createChatStore } from '../store/store';
import { changeDoNotDisturb, changeMuted, isMuted } from './preferences';

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

describe('mute and do-not-disturb state', () => {
  it('a mute shows at once, keeps the other preferences, and unmuting removes only that one', () => {
    const muted = run([
      settingsEvent(loaded),
      { type: 'set-muted', conversationId: 'c1', muted: true },
    ]);
    expect(muted.settings).toEqual({ ...loaded, mutedConversationIds: ['c2', 'c1'] });
    expect(isMuted(muted.settings, 'c1')).toBe(true);

    const again = reducer(muted, { type: 'set-muted', conversationId: 'c1', muted: true });
    expect(again.settings?.mutedConversationIds).toEqual(['c2', 'c1']);
    const unmuted = reducer(again, { type: 'set-muted', conversationId: 'c1', muted: false });
    expect(unmuted.settings).toEqual(loaded);
  });

  it('works before the preferences arrived, from the defaults', () => {
    const state = run([{ type: 'set-do-not-disturb', enabled: true }]);
    expect(state.settings).toEqual({ doNotDisturb: true, mutedConversationIds: [] });
    expect(isMuted(state.settings, 'c1')).toBe(false);
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

type PreferenceBridge = Pick<ChatBridge, 'setMuted' | 'setDoNotDisturb'>;

function bridgeAnswering(answer: Result<null>): PreferenceBridge & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    setMuted: (args) => {
      calls.push(args);
      return Promise.resolve(answer);
    },
    setDoNotDisturb: (args) => {
      calls.push(args);
      return Promise.resolve(answer);
    },
  };
}

describe('changing a preference through the bridge', () => {
  it('asks the bridge and keeps the new value when it agrees', async () => {
    const store = createChatStore(run([settingsEvent(loaded)]));
    const bridge = bridgeAnswering(done());
    expect(await changeMuted(store, bridge, 'c1', true)).toBeNull();
    expect(await changeDoNotDisturb(store, bridge, true)).toBeNull();
    expect(bridge.calls).toEqual([{ conversationId: 'c1', muted: true }, { enabled: true }]);
    expect(store.getState().settings).toMatchObject({
      doNotDisturb: true,
      mutedConversationIds: ['c2', 'c1'],
    });
  });

  it('shows the change before the bridge answers, and puts it back with a reason when refused', async () => {
    const store = createChatStore(run([settingsEvent(loaded)]));
    let answer: (result: Result<null>) => void = () => undefined;
    const pending = changeMuted(
      store,
      {
        setMuted: () => new Promise((resolve) => (answer = resolve)),
        setDoNotDisturb: () => Promise.resolve(done()),
      },
      'c2',
      false,
    );
    expect(isMuted(store.getState().settings, 'c2')).toBe(false);
    answer(fail('invalid_request', 'conversationId: too long'));
    expect(await pending).toBe('Could not unmute the conversation: conversationId: too long');
    expect(isMuted(store.getState().settings, 'c2')).toBe(true);

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
