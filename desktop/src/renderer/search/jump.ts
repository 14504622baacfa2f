/**
 * A search result asks the message list of its conversation to show one message. The
 * list may not exist yet (the conversation opens first), so the request waits here until
 * the list of that conversation takes it.
 */
let pending: { conversationId: string; seq: number } | null = null;
const listeners = new Set<() => void>();

export function requestJump(conversationId: string, seq: number): void {
  pending = { conversationId, seq };
  for (const listener of listeners) listener();
}

/** The seq waiting for this conversation's list, taken (answered once), or null. */
export function takeJump(conversationId: string): number | null {
  if (pending?.conversationId !== conversationId) return null;
  const { seq } = pending;
  pending = null;
  return seq;
}

export function onJumpRequest(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
