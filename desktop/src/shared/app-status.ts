/**
 * The installed app around the chat: its version, whether it starts at login, and where its
 * update stands. Only the desktop app has one (the web client's `getAppStatus` is null, and
 * the renderer then shows none of it).
 *
 * Environment-neutral and zod-free: no DOM, Node or Electron imports here.
 */

/**
 * Where the update stands. `not-configured`: this build has no update feed (`no-feed`), or
 * it is not an installed copy (`development`); it never checks.
 */
export type UpdateState =
  | { status: 'not-configured'; reason: 'no-feed' | 'development' }
  /** Nothing to do; `checkedAt` is when the last check found no newer version. */
  | { status: 'idle'; checkedAt: string | null }
  | { status: 'checking' }
  | { status: 'available'; version: string }
  /** `percent`: 0 to 100. */
  | { status: 'downloading'; version: string; percent: number }
  /** Installed on the next restart (or now, with `installUpdate`). */
  | { status: 'downloaded'; version: string }
  /** The last check or download failed; `message` is one sentence for the user. */
  | { status: 'error'; message: string };

/** `supported`: false where the app cannot register itself (a development run). */
export interface LaunchAtLogin {
  supported: boolean;
  enabled: boolean;
}

export interface AppStatus {
  /** The app's version (`desktop/package.json`). */
  version: string;
  launchAtLogin: LaunchAtLogin;
  update: UpdateState;
}

/** The status line of an update, as the About area shows it. */
export function updateStatusText(update: UpdateState): string {
  switch (update.status) {
    case 'not-configured':
      return update.reason === 'development'
        ? 'Updates are not checked in a development build.'
        : 'Updates are not configured for this build.';
    case 'idle':
      return update.checkedAt === null
        ? 'Chat has not checked for updates yet.'
        : 'Chat is up to date.';
    case 'checking':
      return 'Checking for updates…';
    case 'available':
      return `Version ${update.version} is available; downloading it…`;
    case 'downloading':
      return `Downloading version ${update.version}… ${Math.floor(update.percent)}%`;
    case 'downloaded':
      return `Version ${update.version} is ready: restart Chat to install it.`;
    case 'error':
      return `Could not update: ${update.message}`;
  }
}
