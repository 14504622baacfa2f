import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { UpdateState } from '../../shared/app-status';
import { UPDATE_CHECK_INTERVAL_MS, createUpdateController, type UpdaterLike } from './updater.main';

/** electron-updater's autoUpdater as far as the controller sees it: events and two calls. */
function fakeUpdater(check: (self: FakeUpdater) => Promise<unknown>) {
  const emitter = new EventEmitter();
  const self = {
    emit: (event: string, ...args: unknown[]) => emitter.emit(event, ...args),
    on: (event: string, listener: (...args: never[]) => void) =>
      emitter.on(event, listener as (...args: unknown[]) => void),
    checkForUpdates: vi.fn(() => check(self)),
    quitAndInstall: vi.fn(),
  };
  return self;
}
type FakeUpdater = ReturnType<typeof fakeUpdater>;

function setup(options: { isPackaged?: boolean; hasFeed?: boolean; updater?: FakeUpdater }) {
  const states: UpdateState[] = [];
  const scheduled: { ms: number; run: () => void }[] = [];
  const logs: string[] = [];
  const loadUpdater = vi.fn(() =>
    Promise.resolve((options.updater ?? fakeUpdater(() => Promise.resolve(null))) as UpdaterLike),
  );
  const controller = createUpdateController({
    isPackaged: options.isPackaged ?? true,
    hasFeed: () => Promise.resolve(options.hasFeed ?? true),
    loadUpdater,
    every: (ms, run) => scheduled.push({ ms, run }),
    now: () => new Date('2026-12-06T12:00:00Z'),
    onState: (state) => states.push(state),
    log: (message) => logs.push(message),
  });
  return { controller, states, scheduled, logs, loadUpdater };
}

describe('auto-update', () => {
  it('never loads the updater without a feed, and says why', async () => {
    const noFeed = setup({ hasFeed: false });
    await noFeed.controller.start();
    expect(noFeed.controller.state()).toEqual({ status: 'not-configured', reason: 'no-feed' });
    await expect(noFeed.controller.check()).resolves.toBe(false);
    expect(noFeed.controller.install()).toBe(false);
    expect(noFeed.loadUpdater).not.toHaveBeenCalled();
    expect(noFeed.scheduled).toEqual([]);

    const development = setup({ isPackaged: false });
    await development.controller.start();
    expect(development.controller.state()).toEqual({
      status: 'not-configured',
      reason: 'development',
    });
    expect(development.loadUpdater).not.toHaveBeenCalled();
  });

  it('checks at start and every four hours; finding nothing is "up to date"', async () => {
    const updater = fakeUpdater((self) => {
      self.emit('checking-for-update');
      self.emit('update-not-available', { version: '0.1.0' });
      return Promise.resolve(null);
    });
    const { controller, states, scheduled } = setup({ updater });
    await controller.start();
    expect(scheduled.map((s) => s.ms)).toEqual([UPDATE_CHECK_INTERVAL_MS]);
    expect(UPDATE_CHECK_INTERVAL_MS).toBe(4 * 60 * 60 * 1000);
    expect(updater.checkForUpdates).toHaveBeenCalledOnce();
    expect(states).toEqual([
      { status: 'idle', checkedAt: null },
      { status: 'checking' },
      { status: 'idle', checkedAt: '2026-12-06T12:00:00.000Z' },
    ]);
    scheduled[0]?.run();
    await vi.waitFor(() => expect(updater.checkForUpdates).toHaveBeenCalledTimes(2));
  });

  it('reports an update from available through the download, then installs it on request', async () => {
    const updater = fakeUpdater((self) => {
      self.emit('checking-for-update');
      self.emit('update-available', { version: '0.2.0' });
      return Promise.resolve(null);
    });
    const { controller, states, scheduled } = setup({ updater });
    await controller.start();
    expect(controller.install()).toBe(false);
    updater.emit('download-progress', { percent: 12.5 });
    updater.emit('download-progress', { percent: 100.4 });
    updater.emit('update-downloaded', { version: '0.2.0' });
    expect(states.slice(1)).toEqual([
      { status: 'checking' },
      { status: 'available', version: '0.2.0' },
      { status: 'downloading', version: '0.2.0', percent: 12.5 },
      { status: 'downloading', version: '0.2.0', percent: 100 },
      { status: 'downloaded', version: '0.2.0' },
    ]);
    // The next periodic check neither downloads it again nor hides the prompt.
    scheduled[0]?.run();
    await controller.check();
    expect(updater.checkForUpdates).toHaveBeenCalledOnce();
    expect(controller.state()).toEqual({ status: 'downloaded', version: '0.2.0' });
    expect(controller.install()).toBe(true);
    expect(updater.quitAndInstall).toHaveBeenCalledOnce();
  });

  it('turns a failed check into an error state and a log line, never a throw', async () => {
    const updater = fakeUpdater((self) => {
      self.emit('checking-for-update');
      self.emit('error', new Error('ENOTFOUND updates.example.com'));
      return Promise.reject(new Error('ENOTFOUND updates.example.com'));
    });
    const { controller, logs } = setup({ updater });
    await controller.start();
    expect(controller.state()).toMatchObject({ status: 'error' });
    const state = controller.state();
    // The user reads a sentence; the host name and the stack go to the log only.
    expect(state.status === 'error' ? state.message : '').not.toContain('ENOTFOUND');
    expect(logs).toEqual(['auto-update failed', 'update check failed']);
    // "Check for updates" tries again.
    await expect(controller.check()).resolves.toBe(true);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
  });

  it('keeps a downloaded update through a later error', async () => {
    const updater = fakeUpdater(() => Promise.resolve(null));
    const { controller } = setup({ updater });
    await controller.start();
    updater.emit('update-downloaded', { version: '0.2.0' });
    updater.emit('error', new Error('late'));
    expect(controller.state()).toEqual({ status: 'downloaded', version: '0.2.0' });
  });

  it('reports an updater that cannot be loaded as an error, and the app goes on', async () => {
    const logs: string[] = [];
    const controller = createUpdateController({
      isPackaged: true,
      hasFeed: () => Promise.resolve(true),
      loadUpdater: () => Promise.reject(new Error('Cannot find module')),
      onState: () => undefined,
      log: (message) => logs.push(message),
    });
    await expect(controller.start()).resolves.toBeUndefined();
    expect(controller.state()).toMatchObject({ status: 'error' });
    expect(logs).toEqual(['auto-update could not start']);
    await expect(controller.check()).resolves.toBe(false);
  });
});
