/**
 * The browser says when the network is back (`online`): connect at once instead of
 * waiting out the socket's backoff. The desktop app does the same from the OS's report
 * (`main/system/connectivity.main.ts`).
 */

/** `window`'s `online` event (injectable, so tests need no DOM). */
export interface OnlineEventSource {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/**
 * Calls `reconnect` whenever the browser reports it is online again, and `lost` (if given)
 * when it reports the network gone (an open WebSocket may not notice for a minute, and what
 * the user changes meanwhile should wait in the outbox, marked so); returns the unsubscribe.
 */
export function reconnectWhenOnline(
  source: OnlineEventSource,
  reconnect: () => Promise<unknown>,
  lost?: () => void,
): () => void {
  const onOnline = (): void => {
    // Fails only when signed out: then there is nothing to reconnect.
    void reconnect().catch(() => undefined);
  };
  const onOffline = (): void => lost?.();
  source.addEventListener('online', onOnline);
  source.addEventListener('offline', onOffline);
  return () => {
    source.removeEventListener('online', onOnline);
    source.removeEventListener('offline', onOffline);
  };
}
