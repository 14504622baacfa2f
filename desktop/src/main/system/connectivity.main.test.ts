import { describe, expect, it, vi } from 'vitest';
import { watchConnectivity, type PowerMonitorLike } from './connectivity.main';
import { UPDATE_CHECK_INTERVAL_MS, startAutoUpdate, updateFeedUrl } from './updater.main';

function fakePowerMonitor() {
  const listeners = new Set<() => void>();
  const monitor: PowerMonitorLike = {
    on: (_event, listener) => listeners.add(listener),
    removeListener: (_event, listener) => listeners.delete(listener),
  };
  return { monitor, listeners, resume: () => listeners.forEach((l) => l()) };
}

describe('connectivity', () => {
  it('catches up on resume and when the network comes back, not while it stays up', () => {
    const power = fakePowerMonitor();
    let online = true;
    let tick: () => void = () => undefined;
    const catchUp = vi.fn();
    const stop = watchConnectivity({
      powerMonitor: power.monitor,
      isOnline: () => online,
      catchUp,
      setInterval: (fn) => {
        tick = fn;
        return 1;
      },
      clearInterval: () => undefined,
    });
    tick();
    expect(catchUp).not.toHaveBeenCalled();
    online = false;
    tick();
    expect(catchUp).not.toHaveBeenCalled();
    online = true;
    tick();
    tick();
    expect(catchUp.mock.calls).toEqual([['online']]);
    power.resume();
    expect(catchUp.mock.calls).toEqual([['online'], ['resume']]);
    stop();
    expect(power.listeners.size).toBe(0);
  });
});

describe('auto-update', () => {
  it('stays inert without a configured feed', () => {
    expect(updateFeedUrl({})).toBeNull();
    expect(updateFeedUrl({ CHAT_UPDATE_URL: '' })).toBeNull();
    expect(updateFeedUrl({ CHAT_UPDATE_URL: 'http://updates.example.com/' })).toBeNull();
    expect(updateFeedUrl({ CHAT_UPDATE_URL: 'file:///tmp/feed' })).toBeNull();
    expect(updateFeedUrl({ CHAT_UPDATE_URL: 'https://updates.example.com/chat/' })).toBe(
      'https://updates.example.com/chat/',
    );
    expect(updateFeedUrl({ CHAT_UPDATE_URL: 'http://127.0.0.1:8080/' })).toBe(
      'http://127.0.0.1:8080/',
    );
  });

  it('never loads the updater when no feed is set or the app is not packaged', async () => {
    const loadUpdater = vi.fn();
    await expect(
      startAutoUpdate({ isPackaged: true, env: {}, loadUpdater, log: () => undefined }),
    ).resolves.toBe(false);
    await expect(
      startAutoUpdate({
        isPackaged: false,
        env: { CHAT_UPDATE_URL: 'https://u.example/' },
        loadUpdater,
        log: () => undefined,
      }),
    ).resolves.toBe(false);
    expect(loadUpdater).not.toHaveBeenCalled();
  });

  it('points the updater at the configured generic feed', async () => {
    const updater = {
      setFeedURL: vi.fn(),
      checkForUpdatesAndNotify: vi.fn(() => Promise.resolve(null)),
      on: vi.fn(),
    };
    await expect(
      startAutoUpdate({
        isPackaged: true,
        env: { CHAT_UPDATE_URL: 'https://u.example/chat' },
        loadUpdater: () => Promise.resolve(updater),
        log: () => undefined,
      }),
    ).resolves.toBe(true);
    expect(updater.setFeedURL).toHaveBeenCalledWith({
      provider: 'generic',
      url: 'https://u.example/chat',
    });
    expect(updater.checkForUpdatesAndNotify).toHaveBeenCalledOnce();
  });

  it('checks at start and again every four hours; a failed check is logged, not thrown', async () => {
    const updater = {
      setFeedURL: vi.fn(),
      checkForUpdatesAndNotify: vi.fn(() => Promise.reject(new Error('feed down'))),
      on: vi.fn(),
    };
    const scheduled: { ms: number; run: () => void }[] = [];
    const logs: string[] = [];
    await expect(
      startAutoUpdate({
        isPackaged: true,
        env: { CHAT_UPDATE_URL: 'https://u.example/chat' },
        loadUpdater: () => Promise.resolve(updater),
        log: (message) => logs.push(message),
        every: (ms, run) => scheduled.push({ ms, run }),
      }),
    ).resolves.toBe(true);
    expect(scheduled.map((s) => s.ms)).toEqual([UPDATE_CHECK_INTERVAL_MS]);
    expect(UPDATE_CHECK_INTERVAL_MS).toBe(4 * 60 * 60 * 1000);
    scheduled[0]?.run();
    scheduled[0]?.run();
    await vi.waitFor(() => expect(logs).toHaveLength(3));
    expect(updater.checkForUpdatesAndNotify).toHaveBeenCalledTimes(3);
    expect(logs).toEqual(['update check failed', 'update check failed', 'update check failed']);
  });
});
