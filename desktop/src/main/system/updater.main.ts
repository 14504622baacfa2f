/**
 * Auto-update: electron-updater reads its feed from the `app-update.yml` electron-builder
 * writes into an installed copy when the build had a feed (`electron-builder.config.ts`).
 * Without that file (no feed) or in a development run the updater is never loaded and the
 * state says why; it never polls a placeholder.
 *
 * With a feed: a check at start and every four hours, the update downloaded in the
 * background, and the renderer told at each step (`update` events) so it can offer
 * "Restart to update" without interrupting anyone.
 */
import type { UpdateState } from '../../shared/app-status';

/** The slice of electron-updater's `autoUpdater` used here; a fake in tests. */
export interface UpdaterLike {
  on(event: 'checking-for-update' | 'update-not-available', listener: () => void): unknown;
  on(
    event: 'update-available' | 'update-downloaded',
    listener: (info: { version: string }) => void,
  ): unknown;
  on(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  checkForUpdates(): Promise<unknown>;
  quitAndInstall(): void;
}

/** How often a running app checks the feed again after the check at start. */
export const UPDATE_CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000;

export interface UpdaterDeps {
  isPackaged: boolean;
  /** Whether the installed copy has a feed (its `app-update.yml` exists). */
  hasFeed(): Promise<boolean>;
  /** Loaded only when there is a feed. */
  loadUpdater(): Promise<UpdaterLike>;
  /** Runs `check` every `ms`; defaults to an unref'd setInterval (never keeps the app alive). */
  every?: (ms: number, check: () => void) => void;
  now?: () => Date;
  /** Every change of state (to the renderer). */
  onState(state: UpdateState): void;
  log(message: string, error?: unknown): void;
}

export interface UpdateController {
  state(): UpdateState;
  /** Decides whether updates apply; with a feed, checks now and every four hours. */
  start(): Promise<void>;
  /** "Check for updates": false when there is nothing to check with (no feed). */
  check(): Promise<boolean>;
  /** Quits and installs the downloaded update; false when none is downloaded. */
  install(): boolean;
}

/** What the user reads after a failure; the details go to the log. */
const FAILURE_MESSAGE = 'the update server could not be reached or sent something unusable.';

export function createUpdateController(deps: UpdaterDeps): UpdateController {
  let state: UpdateState = deps.isPackaged
    ? { status: 'not-configured', reason: 'no-feed' }
    : { status: 'not-configured', reason: 'development' };
  let updater: UpdaterLike | null = null;
  const now = deps.now ?? (() => new Date());

  const set = (next: UpdateState): void => {
    state = next;
    deps.onState(next);
  };

  function listen(to: UpdaterLike): void {
    to.on('checking-for-update', () => {
      // A periodic check must not hide an update that is on its way or ready.
      if (state.status !== 'downloading' && state.status !== 'downloaded') {
        set({ status: 'checking' });
      }
    });
    to.on('update-not-available', () => {
      if (state.status !== 'downloaded') set({ status: 'idle', checkedAt: now().toISOString() });
    });
    to.on('update-available', ({ version }) => {
      if (state.status !== 'downloaded') set({ status: 'available', version });
    });
    to.on('download-progress', ({ percent }) => {
      const version =
        state.status === 'available' || state.status === 'downloading' ? state.version : '';
      set({ status: 'downloading', version, percent: Math.max(0, Math.min(100, percent)) });
    });
    to.on('update-downloaded', ({ version }) => set({ status: 'downloaded', version }));
    to.on('error', (error) => {
      deps.log('auto-update failed', error);
      if (state.status !== 'downloaded') set({ status: 'error', message: FAILURE_MESSAGE });
    });
  }

  async function check(): Promise<boolean> {
    if (updater === null) return false;
    // One downloaded is installed at the next restart; checking again would only download
    // the same files.
    if (state.status === 'downloaded' || state.status === 'downloading') return true;
    try {
      await updater.checkForUpdates();
    } catch (error) {
      // electron-updater also emits `error` for most failures; the state is set either way.
      deps.log('update check failed', error);
      if (state.status !== 'error') set({ status: 'error', message: FAILURE_MESSAGE });
    }
    return true;
  }

  return {
    state: () => state,
    async start() {
      if (!deps.isPackaged || !(await deps.hasFeed())) return;
      try {
        updater = await deps.loadUpdater();
      } catch (error) {
        // A broken install of the updater must not take the chat down with it.
        deps.log('auto-update could not start', error);
        set({ status: 'error', message: FAILURE_MESSAGE });
        return;
      }
      listen(updater);
      set({ status: 'idle', checkedAt: null });
      const every =
        deps.every ??
        ((ms: number, run: () => void) => {
          setInterval(run, ms).unref();
        });
      every(UPDATE_CHECK_INTERVAL_MS, () => void check());
      await check();
    },
    check,
    install() {
      if (updater === null || state.status !== 'downloaded') return false;
      updater.quitAndInstall();
      return true;
    },
  };
}
