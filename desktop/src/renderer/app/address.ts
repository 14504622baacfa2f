/**
 * The web client's address per conversation: `/c/ID` while it is open, `/` for the list.
 * A reload opens the same conversation again; Back and Forward move between the
 * conversations opened in this tab. (The desktop app has no address bar and no history.)
 */
import { useEffect, useRef, useState } from 'react';
import { getAppStore, useChat } from '../store/store';

const CONVERSATION_PATH = /^\/c\/([^/]+)\/?$/u;

export function conversationPath(conversationId: string | null): string {
  return conversationId === null ? '/' : `/c/${encodeURIComponent(conversationId)}`;
}

/** The conversation id an address names, or null (the list, or not an address of ours). */
export function conversationIdFromPath(path: string): string | null {
  const match = CONVERSATION_PATH.exec(path);
  if (match?.[1] === undefined) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/** The id if it is a conversation this person has, else null. */
function known(conversationId: string | null): string | null {
  if (conversationId === null) return null;
  return getAppStore().getState().conversations[conversationId] === undefined
    ? null
    : conversationId;
}

export function useConversationAddress(enabled: boolean): void {
  const activeId = useChat((s) => s.activeId);
  const loaded = useChat((s) => s.conversationsLoaded);
  // Read at the first render: what the address asked for when the page loaded.
  const [wanted] = useState(() =>
    enabled ? conversationIdFromPath(window.location.pathname) : null,
  );
  const restored = useRef(false);

  useEffect(() => {
    if (!enabled || !loaded) return;
    if (!restored.current) {
      restored.current = true;
      const id = known(wanted);
      if (id !== null) {
        // The address already names it; the next render finds them equal.
        getAppStore().dispatch({ type: 'select', conversationId: id });
      } else {
        // Nothing (or nothing of theirs) to reopen: the address says what is on screen.
        window.history.replaceState(null, '', conversationPath(getAppStore().getState().activeId));
      }
      return;
    }
    const path = conversationPath(activeId);
    if (window.location.pathname !== path) window.history.pushState(null, '', path);
  }, [enabled, loaded, activeId, wanted]);

  useEffect(() => {
    if (!enabled) return;
    const onPopState = () => {
      const id = known(conversationIdFromPath(window.location.pathname));
      // An entry for a conversation that is gone shows the list, without a new entry.
      if (window.location.pathname !== conversationPath(id)) {
        window.history.replaceState(null, '', conversationPath(id));
      }
      getAppStore().dispatch({ type: 'select', conversationId: id });
    };
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, [enabled]);
}
