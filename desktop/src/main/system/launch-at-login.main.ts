/**
 * Start at login (off by default). macOS and Windows register a login item through
 * Electron; on Linux, where Electron's login items do nothing, an XDG autostart entry
 * (`~/.config/autostart/<app id>.desktop`) does the same for every desktop that follows
 * the freedesktop.org autostart specification (GNOME, KDE, Xfce…).
 *
 * The user's choice is kept in the app's store, and while it is on the entry is written
 * again at each start, so it points at the executable that is running now (an AppImage
 * moved to another folder). Switched off outside the app, it stays off.
 */
import path from 'node:path';
import type { LaunchAtLogin } from '../../shared/app-status';
import type { KeyValueStore } from '../storage/key-value-store.main';

/** Where the system keeps "start this app at login": one adapter per platform. */
export interface LoginItemPort {
  isEnabled(): Promise<boolean>;
  setEnabled(enabled: boolean): Promise<void>;
}

/** The slice of Electron's `app` the macOS/Windows adapter uses. */
export interface ElectronLoginItems {
  getLoginItemSettings(): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
}

export function electronLoginItem(app: ElectronLoginItems): LoginItemPort {
  return {
    isEnabled: () => Promise.resolve(app.getLoginItemSettings().openAtLogin),
    setEnabled: (enabled) => {
      app.setLoginItemSettings({ openAtLogin: enabled });
      return Promise.resolve();
    },
  };
}

/** The file operations the XDG adapter needs (node:fs/promises in the app). */
export interface AutostartFiles {
  readFile(file: string, encoding: 'utf8'): Promise<string>;
  writeFile(file: string, data: string, options: { mode: number }): Promise<void>;
  mkdir(dir: string, options: { recursive: true }): Promise<unknown>;
  rm(file: string, options: { force: true }): Promise<void>;
}

export interface XdgAutostartOptions {
  /** `$XDG_CONFIG_HOME/autostart`, by default `~/.config/autostart`. */
  dir: string;
  /** Names the file (`<appId>.desktop`), so it is found again and not duplicated. */
  appId: string;
  name: string;
  /** The executable to start: `$APPIMAGE` for an AppImage, else the app's own binary. */
  executable: string;
  files: AutostartFiles;
}

/** `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart` (the specification's default). */
export function xdgAutostartDir(env: Record<string, string | undefined>, home: string): string {
  const configHome = env.XDG_CONFIG_HOME?.trim();
  return path.join(
    configHome && path.isAbsolute(configHome) ? configHome : path.join(home, '.config'),
    'autostart',
  );
}

/**
 * An argument of a desktop entry's `Exec` key, quoted as the Desktop Entry Specification
 * says: inside double quotes, `"`, `` ` ``, `$` and `\` are escaped with a backslash, and a
 * literal `%` is doubled (field codes).
 */
export function desktopExecArg(arg: string): string {
  return `"${arg.replace(/(["`$\\])/g, '\\$1').replace(/%/g, '%%')}"`;
}

/** One value of a desktop entry: no line breaks (each key is one line). */
function entryValue(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

export function xdgDesktopEntry(options: Pick<XdgAutostartOptions, 'name' | 'executable'>): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${entryValue(options.name)}`,
    `Exec=${entryValue(desktopExecArg(options.executable))}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function xdgAutostart(options: XdgAutostartOptions): LoginItemPort {
  const file = path.join(options.dir, `${options.appId}.desktop`);
  return {
    async isEnabled() {
      try {
        const text = await options.files.readFile(file, 'utf8');
        // A user who switched it off in their desktop's settings gets `Hidden=true`.
        return !/^Hidden\s*=\s*true\s*$/m.test(text);
      } catch {
        return false;
      }
    },
    async setEnabled(enabled) {
      if (!enabled) {
        await options.files.rm(file, { force: true });
        return;
      }
      await options.files.mkdir(options.dir, { recursive: true });
      await options.files.writeFile(file, xdgDesktopEntry(options), { mode: 0o644 });
    },
  };
}

const STORE_KEY = 'launchAtLogin';

export interface LaunchAtLoginController {
  get(): Promise<LaunchAtLogin>;
  set(enabled: boolean): Promise<LaunchAtLogin>;
  /** At start: the stored choice applied again (pointing at this executable). */
  restore(): Promise<void>;
}

/**
 * `port` is null where the app cannot register itself: a development run (it would
 * register the bare Electron binary) or a platform without either mechanism.
 */
export function createLaunchAtLogin(deps: {
  port: LoginItemPort | null;
  store: KeyValueStore;
  log(message: string, error?: unknown): void;
}): LaunchAtLoginController {
  const { port, store } = deps;
  const wanted = (): boolean => store.get(STORE_KEY) === true;

  return {
    async get() {
      if (port === null) return { supported: false, enabled: false };
      return { supported: true, enabled: await port.isEnabled() };
    },
    async set(enabled) {
      if (port === null) return { supported: false, enabled: false };
      await port.setEnabled(enabled);
      store.set(STORE_KEY, enabled);
      return { supported: true, enabled: await port.isEnabled() };
    },
    async restore() {
      if (port === null || !wanted()) return;
      try {
        // Switched off outside the app (the system's login items, the desktop's startup
        // settings): that is the user's choice too, and the app follows it.
        if (!(await port.isEnabled())) {
          store.set(STORE_KEY, false);
          return;
        }
        await port.setEnabled(true);
      } catch (error) {
        deps.log('could not renew start at login', error);
      }
    },
  };
}
