/**
 * The browser says when the network is back (`online`): connect at once instead of
 * waiting out the socket's backoff. The desktop app does the same from the OS's report
 * (`main/system/connectivity.main.ts`).
 */

/** `window`'s `online` event (injectable, so tests need no DOM). */
export interface OnlineEventSource {
  addEventListener(type: 'online', listener: () => void): void;
  removeEventListener(type: 'online', listener: () => void): void;
}

/** Calls `reconnect` whenever the browser reports it is online again; returns the unsubscribe. */
export function reconnectWhenOnline(
  source: OnlineEventSource,
  reconnect: () => Promise<unknown>,
): () => void {
  const onOnline = (): void => {
    // Fails only when signed out: then there is nothing to reconnect.
    void reconnect().catch(() => undefined);
  };
  source.addEventListener('online', onOnline);
  return () => source.removeEventListener('online', onOnline);
}
