import { describe, expect, it, vi } from 'vitest';
import { ok } from '../shared/bridge';
import { conversationFromUrl, createWebPush, type WebPushDeps } from './push.web';

const KEY = 'BKey';

/** A browser whose push manager hands out one subscription, and records what it was asked. */
function fakeBrowser() {
  let current: PushSubscription | null = null;
  const unsubscribe = vi.fn(() => {
    current = null;
    return Promise.resolve(true);
  });
  const make = (key: string): PushSubscription =>
    ({
      options: { applicationServerKey: Uint8Array.from(atob(key), (c) => c.charCodeAt(0)).buffer },
      toJSON: () => ({
        endpoint: 'https://push.example/abc',
        keys: { p256dh: 'p'.repeat(87), auth: 'a'.repeat(22) },
      }),
      unsubscribe,
    }) as unknown as PushSubscription;
  const subscribe = vi.fn((options: { applicationServerKey: string }) => {
    current = make(options.applicationServerKey);
    return Promise.resolve(current);
  });
  const registration = {
    pushManager: { getSubscription: () => Promise.resolve(current), subscribe },
  } as unknown as ServiceWorkerRegistration;
  const listeners: ((event: MessageEvent) => void)[] = [];
  const register = vi.fn(() => Promise.resolve(registration));
  const container = {
    register,
    ready: Promise.resolve(registration),
    addEventListener: (_type: string, listener: (event: MessageEvent) => void) =>
      listeners.push(listener),
  } as unknown as ServiceWorkerContainer;
  return {
    browser: { serviceWorker: container, pushSupported: true },
    register,
    subscribe,
    unsubscribe,
    post: (data: unknown) => listeners.forEach((l) => l({ data } as MessageEvent)),
  };
}

function calls() {
  return {
    getPushKey: vi.fn(() => Promise.resolve(ok(KEY))),
    subscribePush: vi.fn(() => Promise.resolve(ok(null))),
    unsubscribePush: vi.fn(() => Promise.resolve(ok(null))),
  } satisfies WebPushDeps['calls'];
}

describe('web push in the page', () => {
  it('registers the worker for the whole app, and asks nothing by itself', async () => {
    const fake = fakeBrowser();
    const api = calls();
    const push = createWebPush({ browser: fake.browser, calls: api, openConversation: vi.fn() });
    await push.register();
    expect(fake.register).toHaveBeenCalledWith('/sw.js', { scope: '/' });
    expect(fake.subscribe).not.toHaveBeenCalled();
    expect(api.subscribePush).not.toHaveBeenCalled();
  });

  it('turning on subscribes with the server key and hands the subscription over', async () => {
    const fake = fakeBrowser();
    const api = calls();
    const push = createWebPush({ browser: fake.browser, calls: api, openConversation: vi.fn() });
    await push.register();
    expect(await push.enable()).toBe(true);
    expect(fake.subscribe).toHaveBeenCalledWith({
      userVisibleOnly: true,
      applicationServerKey: KEY,
    });
    expect(api.subscribePush).toHaveBeenCalledWith({
      endpoint: 'https://push.example/abc',
      keys: { p256dh: 'p'.repeat(87), auth: 'a'.repeat(22) },
    });

    await push.signedOut();
    expect(fake.unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('a click the worker reports opens the conversation', async () => {
    const fake = fakeBrowser();
    const openConversation = vi.fn();
    const push = createWebPush({ browser: fake.browser, calls: calls(), openConversation });
    await push.register();
    fake.post({ type: 'open-conversation', conversationId: 'c-1' });
    expect(openConversation).toHaveBeenCalledWith('c-1');
  });

  it('without service workers or the Push API nothing happens', async () => {
    const api = calls();
    const push = createWebPush({
      browser: { serviceWorker: undefined, pushSupported: false },
      calls: api,
      openConversation: vi.fn(),
    });
    await push.register();
    expect(await push.enable()).toBe(false);
    expect(api.getPushKey).not.toHaveBeenCalled();
  });

  it('reads the conversation of a notification URL', () => {
    expect(conversationFromUrl('#conversation=abc%2Fdef')).toBe('abc/def');
    expect(conversationFromUrl('#other=1')).toBeNull();
    expect(conversationFromUrl('')).toBeNull();
  });
});
