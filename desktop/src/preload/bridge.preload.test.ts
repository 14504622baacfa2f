import { describe, expect, it, vi } from 'vitest';
import { BRIDGE_METHOD_NAMES, IPC_CHANNELS } from '../shared/bridge';
import { createPreloadBridge } from './bridge.preload';

function fakeIpc() {
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  return {
    listeners,
    invoke: vi.fn((_channel: string, ..._args: unknown[]) =>
      Promise.resolve({ ok: true, value: 'v' } as unknown),
    ),
    on(channel: string, listener: (event: unknown, payload: unknown) => void) {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener(channel: string, listener: (event: unknown, payload: unknown) => void) {
      listeners.get(channel)?.delete(listener);
    },
  };
}

describe('preload bridge', () => {
  it('exposes exactly one function per capability plus onEvent, and nothing else', () => {
    const bridge = createPreloadBridge(fakeIpc());
    expect(Object.keys(bridge).sort()).toEqual([...BRIDGE_METHOD_NAMES, 'onEvent'].sort());
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
  });

  it('invokes each capability on its own channel with its one argument', async () => {
    const ipc = fakeIpc();
    const bridge = createPreloadBridge(ipc);
    await bridge.markRead({ conversationId: 'c', seq: 2 });
    expect(ipc.invoke).toHaveBeenLastCalledWith(IPC_CHANNELS.invoke.markRead, {
      conversationId: 'c',
      seq: 2,
    });
    await bridge.catchUp();
    expect(ipc.invoke).toHaveBeenLastCalledWith(IPC_CHANNELS.invoke.catchUp);
  });

  it('resolves with a network error when the main process does not answer', async () => {
    const ipc = fakeIpc();
    ipc.invoke.mockImplementationOnce(() => Promise.reject(new Error('gone')));
    await expect(createPreloadBridge(ipc).catchUp()).resolves.toMatchObject({
      ok: false,
      error: { code: 'network' },
    });
  });

  it('passes only the event payload to listeners, never the IPC event', () => {
    const ipc = fakeIpc();
    const bridge = createPreloadBridge(ipc);
    const seen: unknown[][] = [];
    const off = bridge.onEvent((...args: unknown[]) => seen.push(args));
    const ipcEvent = { sender: 'ipcRenderer itself' };
    for (const l of ipc.listeners.get(IPC_CHANNELS.event) ?? []) {
      l(ipcEvent, { type: 'connection', status: 'online' });
    }
    expect(seen).toEqual([[{ type: 'connection', status: 'online' }]]);
    off();
    expect(ipc.listeners.get(IPC_CHANNELS.event)?.size).toBe(0);
  });
});
