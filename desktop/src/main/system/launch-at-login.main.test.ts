import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryKeyValueStore } from '../storage/key-value-store.main';
import {
  createLaunchAtLogin,
  desktopExecArg,
  electronLoginItem,
  xdgAutostart,
  xdgAutostartDir,
  type LoginItemPort,
} from './launch-at-login.main';

const dirs: string[] = [];
function tempHome(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-autostart-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const files = { readFile, writeFile, mkdir, rm };

function linuxPort(home: string, executable = '/opt/Chat/chat'): LoginItemPort {
  return xdgAutostart({
    dir: xdgAutostartDir({}, home),
    appId: 'com.example.chat',
    name: 'Chat',
    executable,
    files,
  });
}

describe('the XDG autostart entry (Linux)', () => {
  it('lives in $XDG_CONFIG_HOME/autostart, else ~/.config/autostart', () => {
    expect(xdgAutostartDir({}, '/home/ada')).toBe('/home/ada/.config/autostart');
    expect(xdgAutostartDir({ XDG_CONFIG_HOME: '/cfg' }, '/home/ada')).toBe('/cfg/autostart');
    // A relative value is invalid by the specification and ignored.
    expect(xdgAutostartDir({ XDG_CONFIG_HOME: 'cfg' }, '/home/ada')).toBe(
      '/home/ada/.config/autostart',
    );
  });

  it('writes the entry (creating the folder) and removes it again', async () => {
    const home = tempHome();
    const port = linuxPort(home, '/home/ada/Apps/Chat 1.0 "beta".AppImage');
    await expect(port.isEnabled()).resolves.toBe(false);
    await port.setEnabled(true);
    const file = path.join(home, '.config', 'autostart', 'com.example.chat.desktop');
    expect(await readFile(file, 'utf8')).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Chat',
        'Exec="/home/ada/Apps/Chat 1.0 \\"beta\\".AppImage"',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await expect(port.isEnabled()).resolves.toBe(true);
    // Enabling twice leaves one entry.
    await port.setEnabled(true);
    expect(await readdir(path.dirname(file))).toEqual(['com.example.chat.desktop']);
    await port.setEnabled(false);
    expect(await readdir(path.dirname(file))).toEqual([]);
    await expect(port.isEnabled()).resolves.toBe(false);
    // Disabling what is not there is fine.
    await port.setEnabled(false);
  });

  it('counts an entry the desktop hid (Hidden=true) as off', async () => {
    const home = tempHome();
    const port = linuxPort(home);
    await port.setEnabled(true);
    const file = path.join(home, '.config', 'autostart', 'com.example.chat.desktop');
    await writeFile(file, `${await readFile(file, 'utf8')}Hidden=true\n`);
    await expect(port.isEnabled()).resolves.toBe(false);
  });

  it('quotes the executable as the Desktop Entry Specification asks', () => {
    expect(desktopExecArg('/opt/Chat/chat')).toBe('"/opt/Chat/chat"');
    expect(desktopExecArg('/a/$HOME/`x`/back\\slash/100%')).toBe(
      '"/a/\\$HOME/\\`x\\`/back\\\\slash/100%%"',
    );
  });
});

describe('the login item (macOS, Windows)', () => {
  it("reads and sets Electron's openAtLogin", async () => {
    let openAtLogin = false;
    const app = {
      getLoginItemSettings: () => ({ openAtLogin }),
      setLoginItemSettings: vi.fn((settings: { openAtLogin: boolean }) => {
        openAtLogin = settings.openAtLogin;
      }),
    };
    const port = electronLoginItem(app);
    await expect(port.isEnabled()).resolves.toBe(false);
    await port.setEnabled(true);
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true });
    await expect(port.isEnabled()).resolves.toBe(true);
  });
});

describe('start at login', () => {
  it('is off by default and leaves a profile that never chose alone', async () => {
    const home = tempHome();
    const store = createMemoryKeyValueStore();
    const launch = createLaunchAtLogin({ port: linuxPort(home), store, log: () => undefined });
    await expect(launch.get()).resolves.toEqual({ supported: true, enabled: false });
    await launch.restore();
    await expect(launch.get()).resolves.toEqual({ supported: true, enabled: false });
    expect(store.data.size).toBe(0);
  });

  it('keeps the choice and, while on, points the entry at the executable running now', async () => {
    const home = tempHome();
    const store = createMemoryKeyValueStore();
    const before = createLaunchAtLogin({
      port: linuxPort(home, '/old/Chat.AppImage'),
      store,
      log: () => undefined,
    });
    await expect(before.set(true)).resolves.toEqual({ supported: true, enabled: true });
    expect(store.data.get('launchAtLogin')).toBe(true);

    // The next start, from the AppImage's new place.
    const after = createLaunchAtLogin({
      port: linuxPort(home, '/new/Chat.AppImage'),
      store,
      log: () => undefined,
    });
    await after.restore();
    const entry = await readFile(
      path.join(home, '.config', 'autostart', 'com.example.chat.desktop'),
      'utf8',
    );
    expect(entry).toContain('Exec="/new/Chat.AppImage"');

    await expect(after.set(false)).resolves.toEqual({ supported: true, enabled: false });
    expect(store.data.get('launchAtLogin')).toBe(false);
    await after.restore();
    await expect(after.get()).resolves.toEqual({ supported: true, enabled: false });
  });

  it('follows the user switching it off outside the app', async () => {
    const home = tempHome();
    const store = createMemoryKeyValueStore();
    const launch = createLaunchAtLogin({ port: linuxPort(home), store, log: () => undefined });
    await launch.set(true);
    await rm(path.join(home, '.config', 'autostart', 'com.example.chat.desktop'));
    await launch.restore();
    await expect(launch.get()).resolves.toEqual({ supported: true, enabled: false });
    expect(store.data.get('launchAtLogin')).toBe(false);
  });

  it('is unsupported without a port (a development run), and never touches the store', async () => {
    const store = createMemoryKeyValueStore();
    const launch = createLaunchAtLogin({ port: null, store, log: () => undefined });
    await expect(launch.set(true)).resolves.toEqual({ supported: false, enabled: false });
    await launch.restore();
    expect(store.data.size).toBe(0);
  });

  it('logs a failure to renew the entry instead of stopping the start', async () => {
    const store = createMemoryKeyValueStore();
    store.set('launchAtLogin', true);
    const logs: string[] = [];
    const launch = createLaunchAtLogin({
      port: {
        isEnabled: () => Promise.resolve(true),
        setEnabled: () => Promise.reject(new Error('EACCES')),
      },
      store,
      log: (message) => logs.push(message),
    });
    await launch.restore();
    expect(logs).toEqual(['could not renew start at login']);
  });
});
