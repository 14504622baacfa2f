import { describe, expect, it } from 'vitest';
import { reconnectWhenOnline, type OnlineEventSource } from './connectivity.web';

function fakeWindow() {
  const listeners = new Set<() => void>();
  const source: OnlineEventSource = {
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
  };
  return { source, listeners, online: () => listeners.forEach((l) => l()) };
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
    expect(page.listeners.size).toBe(0);
  });
});
