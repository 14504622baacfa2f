import { useEffect, useRef } from 'react';
import { getAppStore, useChat } from '../store/store';

/** getPeople takes at most this many ids per call (the bridge schema's limit). */
const PEOPLE_BATCH = 256;

async function loadPeople(ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += PEOPLE_BATCH) {
    const asOf = getAppStore().getState().presenceEvents;
    const result = await window.chat.getPeople({ userIds: ids.slice(i, i + PEOPLE_BATCH) });
    if (result.ok) getAppStore().dispatch({ type: 'people', people: result.value, asOf });
  }
}

function memberIds(selfId: string): string[] {
  const ids = new Set<string>();
  for (const c of Object.values(getAppStore().getState().conversations)) {
    for (const m of c.members) if (m.id !== selfId) ids.add(m.id);
  }
  return [...ids];
}

/**
 * Fetches the conversation list once per session, and presence for every member: for
 * members of conversations that appear later (presence events only report changes), and
 * for everyone again whenever the connection comes back (changes while away were missed).
 */
export function useSessionData(selfId: string): void {
  const connection = useChat((s) => s.connection);
  const loaded = useChat((s) => s.conversationsLoaded);
  const conversations = useChat((s) => s.conversations);
  const asked = useRef(new Set<string>());

  useEffect(() => {
    let cancelled = false;
    void window.chat.listConversations().then((result) => {
      if (cancelled || !result.ok) return;
      getAppStore().dispatch({ type: 'conversations-loaded', conversations: result.value });
    });
    return () => {
      cancelled = true;
    };
  }, [selfId]);

  useEffect(() => {
    if (!loaded) return;
    const missing = memberIds(selfId).filter((id) => !asked.current.has(id));
    if (missing.length === 0) return;
    for (const id of missing) asked.current.add(id);
    void loadPeople(missing);
  }, [conversations, loaded, selfId]);

  useEffect(() => {
    if (connection !== 'online' || !loaded) return;
    void loadPeople(memberIds(selfId));
  }, [connection, loaded, selfId]);
}
