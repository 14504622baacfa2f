/**
 * Sockets silently die while a laptop sleeps or the network drops; the socket's own
 * reconnect can take its full backoff to notice. On wake-up and when the OS reports the
 * network is back the core is told to catch up at once: it reconnects without waiting
 * out the backoff if the socket is down, else fetches what was missed (the core
 * deduplicates overlapping calls).
 */
export interface PowerMonitorLike {
  on(event: 'resume' | 'unlock-screen', listener: () => void): unknown;
  removeListener(event: 'resume' | 'unlock-screen', listener: () => void): unknown;
}

export interface ConnectivityDeps {
  powerMonitor: PowerMonitorLike;
  /** `net.isOnline()`. */
  isOnline(): boolean;
  catchUp(reason: 'resume' | 'online'): void;
  /** How often to look at the network state. */
  pollMs?: number;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export function watchConnectivity(deps: ConnectivityDeps): () => void {
  const set = deps.setInterval ?? ((fn, ms) => setInterval(fn, ms));
  const clear = deps.clearInterval ?? ((handle) => clearInterval(handle as NodeJS.Timeout));
  const onResume = (): void => deps.catchUp('resume');
  deps.powerMonitor.on('resume', onResume);

  let online = deps.isOnline();
  const timer = set(() => {
    const now = deps.isOnline();
    if (now && !online) deps.catchUp('online');
    online = now;
  }, deps.pollMs ?? 3000);

  return () => {
    deps.powerMonitor.removeListener('resume', onResume);
    clear(timer);
  };
}
