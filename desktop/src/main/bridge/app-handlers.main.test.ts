import { describe, expect, it } from 'vitest';
import { validatingCalls } from '../../shared/bridge/args';
import type { UpdateState } from '../../shared/app-status';
import { createMemoryKeyValueStore } from '../storage/key-value-store.main';
import { createLaunchAtLogin, type LoginItemPort } from '../system/launch-at-login.main';
import { createUpdateController, type UpdaterLike } from '../system/updater.main';
import { appHandlers } from './handlers.main';

const METHODS = ['getAppStatus', 'setLaunchAtLogin', 'checkForUpdates', 'installUpdate'] as const;

function memoryLoginItem(): LoginItemPort & { enabled: boolean } {
  const item = {
    enabled: false,
    isEnabled: () => Promise.resolve(item.enabled),
    setEnabled: (enabled: boolean) => {
      item.enabled = enabled;
      return Promise.resolve();
    },
  };
  return item;
}

/** The four calls as the renderer makes them: validated, then served by the app's parts. */
function calls(options: { port: LoginItemPort | null; hasFeed: boolean; loadFails?: boolean }) {
  const events: UpdateState[] = [];
  let listeners: Record<string, (...args: never[]) => void> = {};
  const updater = {
    on: (event: string, listener: (...args: never[]) => void) => {
      listeners = { ...listeners, [event]: listener };
    },
    checkForUpdates: () => Promise.resolve(null),
    quitAndInstall: () => undefined,
  };
  const updates = createUpdateController({
    isPackaged: true,
    hasFeed: () => Promise.resolve(options.hasFeed),
    loadUpdater: () =>
      options.loadFails === true
        ? Promise.reject(new Error('Cannot find module'))
        : Promise.resolve(updater as UpdaterLike),
    every: () => undefined,
    onState: (state) => events.push(state),
    log: () => undefined,
  });
  const launchAtLogin = createLaunchAtLogin({
    port: options.port,
    store: createMemoryKeyValueStore(),
    log: () => undefined,
  });
  const bridge = validatingCalls(
    METHODS,
    appHandlers({ version: '1.2.3', launchAtLogin, updates }),
  );
  const emit = (event: string, arg: unknown) =>
    (listeners[event] as ((arg: unknown) => void) | undefined)?.(arg);
  return { bridge, updates, events, emit };
}

describe('the app calls of the desktop bridge', () => {
  it('report the version, start at login (off by default) and that updates are not configured', async () => {
    const { bridge, updates } = calls({ port: memoryLoginItem(), hasFeed: false });
    await updates.start();
    await expect(bridge.getAppStatus()).resolves.toEqual({
      ok: true,
      value: {
        version: '1.2.3',
        launchAtLogin: { supported: true, enabled: false },
        update: { status: 'not-configured', reason: 'no-feed' },
      },
    });
    await expect(bridge.checkForUpdates()).resolves.toMatchObject({
      ok: false,
      error: { code: 'unsupported', message: 'Updates are not configured for this build.' },
    });
  });

  it('switch start at login on and off, refusing a malformed argument', async () => {
    const port = memoryLoginItem();
    const { bridge } = calls({ port, hasFeed: false });
    await expect(bridge.setLaunchAtLogin({ enabled: true })).resolves.toEqual({
      ok: true,
      value: { supported: true, enabled: true },
    });
    expect(port.enabled).toBe(true);
    const refused = await bridge.setLaunchAtLogin({ enabled: 'yes' as unknown as boolean });
    expect(refused.ok ? null : refused.error.code).toBe('invalid_request');
    expect(port.enabled).toBe(true);
    await bridge.setLaunchAtLogin({ enabled: false });
    expect(port.enabled).toBe(false);
  });

  it('say start at login is for the installed app when there is nowhere to register it', async () => {
    const { bridge } = calls({ port: null, hasFeed: false });
    await expect(bridge.setLaunchAtLogin({ enabled: true })).resolves.toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
  });

  it('install only a downloaded update', async () => {
    const { bridge, updates, emit, events } = calls({ port: null, hasFeed: true });
    await updates.start();
    await expect(bridge.installUpdate()).resolves.toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    await expect(bridge.checkForUpdates()).resolves.toEqual({ ok: true, value: null });
    emit('update-downloaded', { version: '1.3.0' });
    expect(events.at(-1)).toEqual({ status: 'downloaded', version: '1.3.0' });
    await expect(bridge.installUpdate()).resolves.toEqual({ ok: true, value: null });
  });

  it('tell a broken updater apart from a build without a feed', async () => {
    const { bridge, updates } = calls({ port: null, hasFeed: true, loadFails: true });
    await updates.start();
    await expect(bridge.checkForUpdates()).resolves.toMatchObject({
      ok: false,
      error: { code: 'unavailable' },
    });
  });
});
