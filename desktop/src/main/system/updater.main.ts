/**
 * Auto-update stays off until a feed is configured: a build without a release server
 * must not poll a placeholder address. `CHAT_UPDATE_URL` (https, or http on loopback for
 * testing a local feed) turns it on.
 */
export function updateFeedUrl(env: Record<string, string | undefined>): string | null {
  const raw = env.CHAT_UPDATE_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const loopback =
    url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return null;
  if (url.username || url.password) return null;
  return url.href;
}

export interface UpdaterLike {
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdatesAndNotify(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** How often a running app checks the feed again after the check at start. */
export const UPDATE_CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000;

export interface UpdaterDeps {
  isPackaged: boolean;
  /** Runs `check` every `ms`; defaults to an unref'd setInterval (never keeps the app alive). */
  every?: (ms: number, check: () => void) => void;
  env: Record<string, string | undefined>;
  /** Loaded only when an update feed is configured. */
  loadUpdater(): Promise<UpdaterLike>;
  log(message: string, error?: unknown): void;
}

/** Returns whether the updater was started. */
export async function startAutoUpdate(deps: UpdaterDeps): Promise<boolean> {
  const url = updateFeedUrl(deps.env);
  if (!url || !deps.isPackaged) return false;
  const updater = await deps.loadUpdater();
  updater.on('error', (error) => deps.log('auto-update failed', error));
  updater.setFeedURL({ provider: 'generic', url });
  const check = () =>
    updater.checkForUpdatesAndNotify().then(
      () => undefined,
      (error: unknown) => deps.log('update check failed', error),
    );
  const every =
    deps.every ??
    ((ms: number, run: () => void) => {
      setInterval(run, ms).unref();
    });
  every(UPDATE_CHECK_INTERVAL_MS, () => void check());
  await check();
  return true;
}
