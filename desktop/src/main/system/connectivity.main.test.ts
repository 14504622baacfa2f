import { describe, expect, it, vi } from 'vitest';
import { watchConnectivity, type PowerMonitorLike } from './connectivity.main';

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
