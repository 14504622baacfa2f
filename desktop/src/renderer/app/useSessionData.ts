import { useEffect } from 'react';
import type { ConversationView } from '../../shared/bridge';
import { getAppStore, useChat } from '../store/store';

/** getPeople takes at most this many ids per call (the bridge schema's limit). */
const PEOPLE_BATCH = 256;

async function loadPresence(conversations: readonly ConversationView[], selfId: string) {
  const ids = new Set<string>();
  for (const c of conversations) for (const m of c.members) if (m.id !== selfId) ids.add(m.id);
  const all = [...ids];
  for (let i = 0; i < all.length; i += PEOPLE_BATCH) {
    const result = await window.chat.getPeople({ userIds: all.slice(i, i + PEOPLE_BATCH) });
    if (result.ok) getAppStore().dispatch({ type: 'people', people: result.value });
  }
}

/**
 * Fetches the conversation list once per session and presence for every member, again
 * whenever the connection comes back (presence changes while offline were not heard).
 */
export function useSessionData(selfId: string): void {
  const connection = useChat((s) => s.connection);
  const loaded = useChat((s) => s.conversationsLoaded);

  useEffect(() => {
    let cancelled = false;
    void window.chat.listConversations().then((result) => {
      if (cancelled || !result.ok) return;
      getAppStore().dispatch({ type: 'conversations-loaded', conversations: result.value });
      void loadPresence(result.value, selfId);
    });
    return () => {
      cancelled = true;
    };
  }, [selfId]);

  useEffect(() => {
    if (connection !== 'online' || !loaded) return;
    void loadPresence(Object.values(getAppStore().getState().conversations), selfId);
  }, [connection, loaded, selfId]);
}
