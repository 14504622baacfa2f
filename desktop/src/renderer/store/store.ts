/**
 * A tiny external store over the reducer, fed by `window.chat.onEvent`. Components read
 * slices with `useChat(selector)` (useSyncExternalStore), so an event re-renders only the
 * components whose slice changed.
 */
import { useSyncExternalStore } from 'react';
import type { ChatBridge } from '../../shared/bridge';
import { initialState, reducer, type Action, type ChatUiState } from './reducer';

export interface ChatStore {
  getState(): ChatUiState;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createChatStore(state: ChatUiState = initialState): ChatStore {
  let current = state;
  const listeners = new Set<() => void>();
  return {
    getState: () => current,
    dispatch(action) {
      const next = reducer(current, action);
      if (next === current) return;
      current = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Subscribes to the bridge's events first and asks for the current state second, so
 * nothing that happens in between is missed.
 */
export async function connectStore(
  store: ChatStore,
  bridge: Pick<ChatBridge, 'onEvent' | 'getSession' | 'getConnectionStatus' | 'getSettings'>,
): Promise<() => void> {
  const unsubscribe = bridge.onEvent((event) => store.dispatch({ type: 'event', event }));
  // Preferences are applied the moment they answer, not after the other calls: a `settings`
  // event (the tray's do-not-disturb) that arrives after this answer is newer and must win.
  const settingsLoaded = bridge.getSettings().then((settings) => {
    if (settings.ok) {
      store.dispatch({ type: 'event', event: { type: 'settings', settings: settings.value } });
    }
  });
  const [session, connection] = await Promise.all([
    bridge.getSession(),
    bridge.getConnectionStatus(),
    settingsLoaded,
  ]);
  store.dispatch({
    type: 'started',
    session: session.ok ? session.value : null,
    connection: connection.ok ? connection.value : 'offline',
  });
  return unsubscribe;
}

let appStore: ChatStore = createChatStore();

export function setAppStore(store: ChatStore): void {
  appStore = store;
}

export function getAppStore(): ChatStore {
  return appStore;
}

export function useChat<T>(selector: (state: ChatUiState) => T): T {
  return useSyncExternalStore(
    (listener) => appStore.subscribe(listener),
    () => selector(appStore.getState()),
  );
}
