import { describe, expect, it } from 'vitest';
import { reconnectWhenOnline, type OnlineEventSource } from './connectivity.web';

function fakeWindow() {
  const listeners = new Map<string, Set<() => void>>([
    ['online', new Set()],
    ['offline', new Set()],
  ]);
  const source: OnlineEventSource = {
    addEventListener: (type, listener) => listeners.get(type)?.add(listener),
    removeEventListener: (type, listener) => listeners.get(type)?.delete(listener),
  };
  const fire = (type: string) => listeners.get(type)?.forEach((l) => l());
  return {
    source,
    count: () => [...listeners.values()].reduce((n, set) => n + set.size, 0),
    online: () => fire('online'),
    offline: () => fire('offline'),
  };
}

describe('web connectivity', () => {
  it('reconnects as soon as the browser reports it is online, until unsubscribed', () => {
    const page = fakeWindow();
    let calls = 0;
    const stop = reconnectWhenOnline(page.source, () => {
      calls += 1;
      return Promise.resolve();
    });
    expect(calls).toBe(0);
    page.online();
    expect(calls).toBe(1);
    stop();
    page.online();
    expect(calls).toBe(1);
    expect(page.count()).toBe(0);
  });

  it('drops the socket as soon as the browser reports the network gone', () => {
    const page = fakeWindow();
    let lost = 0;
    const stop = reconnectWhenOnline(
      page.source,
      () => Promise.resolve(),
      () => (lost += 1),
    );
    page.offline();
    expect(lost).toBe(1);
    stop();
    page.offline();
    expect(lost).toBe(1);
  });
});
