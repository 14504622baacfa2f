import { useCallback, useEffect, useRef } from 'react';

/** Renew `typing: true` at most this often; the server expires it after 5 s. */
const RENEW_MS = 3_000;
/** No keystroke for this long counts as having stopped. */
const IDLE_MS = 4_000;

/**
 * typing:true while the user types (throttled), typing:false when they pause, send, leave
 * the field or the conversation.
 */
export function useTypingSignal(conversationId: string) {
  const lastSentAt = useRef(0);
  const active = useRef(false);
  const idleTimer = useRef<number | null>(null);

  const stop = useCallback(() => {
    if (idleTimer.current !== null) window.clearTimeout(idleTimer.current);
    idleTimer.current = null;
    if (!active.current) return;
    active.current = false;
    lastSentAt.current = 0;
    void window.chat.setTyping({ conversationId, typing: false });
  }, [conversationId]);

  const typed = useCallback(
    (text: string) => {
      if (text.trim() === '') {
        stop();
        return;
      }
      const now = Date.now();
      if (!active.current || now - lastSentAt.current >= RENEW_MS) {
        active.current = true;
        lastSentAt.current = now;
        void window.chat.setTyping({ conversationId, typing: true });
      }
      if (idleTimer.current !== null) window.clearTimeout(idleTimer.current);
      idleTimer.current = window.setTimeout(stop, IDLE_MS);
    },
    [conversationId, stop],
  );

  useEffect(() => stop, [stop]);

  return { typed, stop };
}
