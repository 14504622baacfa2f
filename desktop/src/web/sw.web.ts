/**
 * The web client's service worker (served as `/sw.js`, scope `/`): shows Web Push
 * notifications while no tab of the app is open (RFC 8030 pushes from the API, see
 * docs/notifications.md), one per conversation (the tag replaces the shown one), and on a
 * click focuses an open tab at that conversation or opens one there.
 *
 * Built by Vite on its own, without imports: a service worker bundle must not share
 * chunks with the page.
 */

/** The parts of the service worker scope used here (the DOM lib has no worker types). */
interface WorkerClient {
  readonly url: string;
  focus(): Promise<WorkerClient>;
  postMessage(message: unknown): void;
}
interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { json(): unknown } | null;
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification;
}
interface SubscriptionChangeEvent extends ExtendableEvent {
  readonly oldSubscription: PushSubscription | null;
  readonly newSubscription: PushSubscription | null;
}
interface ServiceWorkerScope {
  readonly registration: ServiceWorkerRegistration;
  readonly location: { readonly origin: string };
  readonly clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WorkerClient[]>;
    openWindow(url: string): Promise<WorkerClient | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'push', listener: (event: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvent) => void): void;
  addEventListener(
    type: 'pushsubscriptionchange',
    listener: (event: SubscriptionChangeEvent) => void,
  ): void;
}

/** What the API pushes (`PushPayload` in the protocol), checked by hand: no zod in here. */
interface PushPayload {
  conversationId: string;
  seq: number;
  title: string;
  body: string;
}

/** The messages this worker posts to the app's tabs (see push.web.ts). */
export type WorkerMessage =
  { type: 'open-conversation'; conversationId: string } | { type: 'push-subscription-changed' };

/** The page URL that opens a conversation (`conversationFromUrl` in push.web.ts reads it). */
function conversationUrl(origin: string, conversationId: string): string {
  return `${origin}/#conversation=${encodeURIComponent(conversationId)}`;
}

function payloadOf(data: unknown): PushPayload | null {
  if (typeof data !== 'object' || data === null) return null;
  const { conversationId, seq, title, body } = data as Record<string, unknown>;
  if (typeof conversationId !== 'string' || typeof seq !== 'number') return null;
  if (typeof title !== 'string' || typeof body !== 'string') return null;
  return { conversationId, seq, title, body };
}

const scope = self as unknown as ServiceWorkerScope;

scope.addEventListener('install', (event) => {
  event.waitUntil(scope.skipWaiting());
});
scope.addEventListener('activate', (event) => {
  event.waitUntil(scope.clients.claim());
});

scope.addEventListener('push', (event) => {
  let payload: PushPayload | null;
  try {
    payload = payloadOf(event.data?.json());
  } catch {
    payload = null;
  }
  // Browsers require a notification for every push (userVisibleOnly).
  const title = payload?.title ?? 'New message';
  event.waitUntil(
    scope.registration.showNotification(title, {
      body: payload?.body ?? '',
      // One notification per conversation: a newer push replaces the one shown.
      tag: payload ? `conversation:${payload.conversationId}` : 'chat',
      data: payload ? { conversationId: payload.conversationId, seq: payload.seq } : {},
    }),
  );
});

scope.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { conversationId?: unknown } | null;
  const conversationId = typeof data?.conversationId === 'string' ? data.conversationId : null;
  event.waitUntil(openApp(conversationId));
});

async function openApp(conversationId: string | null): Promise<void> {
  const tabs = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = tabs[0];
  if (tab !== undefined) {
    // Told before focusing: a browser may refuse the focus, the tab still shows it.
    if (conversationId !== null) {
      const message: WorkerMessage = { type: 'open-conversation', conversationId };
      tab.postMessage(message);
    }
    await tab.focus().catch(() => undefined);
    return;
  }
  const origin = scope.location.origin;
  await scope.clients.openWindow(
    conversationId === null ? `${origin}/` : conversationUrl(origin, conversationId),
  );
}

scope.addEventListener('pushsubscriptionchange', (event) => {
  // The worker holds no token to tell the server: it renews the subscription with the old
  // key and asks the open tabs to hand it over; a tab opened later does that at start.
  const key = event.oldSubscription?.options.applicationServerKey ?? null;
  event.waitUntil(
    (async () => {
      if (event.newSubscription === null && key !== null) {
        await scope.registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key,
        });
      }
      const tabs = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const message: WorkerMessage = { type: 'push-subscription-changed' };
      for (const tab of tabs) tab.postMessage(message);
    })(),
  );
});
