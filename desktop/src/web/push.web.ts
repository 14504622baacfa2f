/**
 * Web Push for the web client (issue #19): registers the service worker (`/sw.js`, built
 * from sw.web.ts), subscribes this browser after the user turned notifications on (never
 * on page load: the permission prompt comes from a click), hands the subscription to the
 * server for this session, renews it when the browser changes it, and drops it at
 * sign-out. The server ends its copy with the session by itself.
 */
import type { ChatCoreCalls } from '../shared/bridge';
import type { WorkerMessage } from './sw.web';

/** The browser pieces used here, injectable for tests. */
export interface PushBrowser {
  serviceWorker: ServiceWorkerContainer | undefined;
  /** Whether the browser has the Push API at all. */
  pushSupported: boolean;
}

export interface WebPush {
  /** Registers the worker; resolves when it is (or cannot be) registered. Call once at start. */
  register(): Promise<void>;
  /** After the user granted permission (from their click): subscribe and tell the server. */
  enable(): Promise<boolean>;
  /** A session began: hand the existing subscription to it (the server keeps one per session). */
  signedIn(): Promise<void>;
  /** The session ended: this browser stops receiving pushes. */
  signedOut(): Promise<void>;
}

export interface WebPushDeps {
  browser: PushBrowser;
  calls: Pick<ChatCoreCalls, 'getPushKey' | 'subscribePush' | 'unsubscribePush'>;
  /** The user clicked a notification of a conversation while this tab was open. */
  openConversation(conversationId: string): void;
}

const WORKER_URL = '/sw.js';

export function createWebPush(deps: WebPushDeps): WebPush {
  const { browser, calls } = deps;
  let registration: Promise<ServiceWorkerRegistration | null> = Promise.resolve(null);

  const supported = () => browser.serviceWorker !== undefined && browser.pushSupported;

  async function handOver(subscription: PushSubscription): Promise<boolean> {
    const json = subscription.toJSON();
    const p256dh = json.keys?.p256dh;
    const auth = json.keys?.auth;
    if (json.endpoint === undefined || p256dh === undefined || auth === undefined) return false;
    const result = await calls.subscribePush({ endpoint: json.endpoint, keys: { p256dh, auth } });
    return result.ok;
  }

  async function subscribe(): Promise<boolean> {
    const ready = await registration;
    if (ready === null) return false;
    const key = await calls.getPushKey();
    if (!key.ok) return false;
    let subscription = await ready.pushManager.getSubscription();
    // A subscription made with another server key (the server's keys changed) is useless.
    if (subscription !== null && !sameKey(subscription, key.value)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await ready.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key.value,
    });
    return handOver(subscription);
  }

  return {
    register() {
      const container = browser.serviceWorker;
      if (!supported() || container === undefined) return Promise.resolve();
      container.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
        const message = event.data;
        if (message.type === 'open-conversation') deps.openConversation(message.conversationId);
        else void subscribe().catch(() => false);
      });
      registration = container
        .register(WORKER_URL, { scope: '/' })
        .then(() => container.ready)
        .catch(() => null);
      return registration.then(() => undefined);
    },
    async enable() {
      if (!supported()) return false;
      try {
        return await subscribe();
      } catch {
        return false;
      }
    },
    async signedIn() {
      if (!supported() || typeof Notification === 'undefined') return;
      if (Notification.permission !== 'granted') return;
      const ready = await registration;
      // Only a browser the user turned on before: signing in never subscribes by itself.
      if ((await ready?.pushManager.getSubscription()) == null) return;
      await subscribe().catch(() => false);
    },
    async signedOut() {
      const ready = await registration;
      const subscription = await ready?.pushManager.getSubscription();
      await subscription?.unsubscribe().catch(() => false);
    },
  };
}

function sameKey(subscription: PushSubscription, key: string): boolean {
  const current = subscription.options.applicationServerKey;
  if (current === null) return false;
  const bytes = new Uint8Array(current);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const encoded = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return encoded === key;
}

/** The conversation a page URL opens (`/#conversation=<id>`, set by the worker), if any. */
export function conversationFromUrl(hash: string): string | null {
  const match = /^#conversation=([^&]+)$/.exec(hash);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/** The live browser. */
export function browserPush(): PushBrowser {
  const container =
    typeof navigator !== 'undefined' && 'serviceWorker' in navigator
      ? navigator.serviceWorker
      : undefined;
  return { serviceWorker: container, pushSupported: typeof PushManager !== 'undefined' };
}
