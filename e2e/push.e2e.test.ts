/**
 * Web Push in the browser (issue #19): the service worker registers, a push delivered to
 * it (through the DevTools protocol, as a push service would) shows a notification with
 * the payload's title and body, grouped per conversation, and clicking it opens that
 * conversation in the app.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, postMessage, registerUser } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, UI_TIMEOUT_MS, visible } from './support/chat-app';
import { ChatServer } from './support/server';

let server: ChatServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([ChatServer.start(), launchChromium()]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = UI_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('web push', () => {
  it('a pushed message shows a notification, and its click opens that conversation', async () => {
    const ann = await registerUser(server, { displayName: 'Ann Pushed' });
    const bob = await registerUser(server, { displayName: 'Bob Pushing' });
    const other = await registerUser(server, { displayName: 'Cat Other' });
    const conversation = await openDirect(server, bob.accessToken, ann.user.id);
    await openDirect(server, other.accessToken, ann.user.id);
    const sent = await postMessage(server, bob.accessToken, conversation.id, 'Hello from Bob');
    await postMessage(
      server,
      other.accessToken,
      (await openDirect(server, other.accessToken, ann.user.id)).id,
      'Hi from Cat',
    );

    const user = await ChatUser.signedIn(browser, server, ann, { permissions: ['notifications'] });
    const { page } = user;
    // Registered by the page at start, with the whole app as its scope.
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${server.url}/`);
    // Another conversation is open, so the click has somewhere to go.
    await user.openConversation('Cat Other');

    const cdp = await user.context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === `${server.url}/` && !r.isDeleted);
        if (ours) resolve(ours.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const payload = {
      conversationId: conversation.id,
      seq: sent.seq,
      title: 'Bob Pushing',
      body: 'Hello from Bob',
    };
    const readShown = () =>
      page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
        }));
      });
    // A push delivered while the worker is still starting can be dropped by the browser:
    // deliver again until one shows (the tag makes a second one replace the first).
    const id = await registrationId;
    let shown: Awaited<ReturnType<typeof readShown>> = [];
    for (let attempt = 0; attempt < 5 && shown.length === 0; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server.url,
        registrationId: id,
        data: JSON.stringify(payload),
      });
      shown = await until(readShown, (list) => list.length > 0, 4_000);
    }
    expect(shown).toEqual([
      { title: 'Bob Pushing', body: 'Hello from Bob', tag: `conversation:${conversation.id}` },
    ]);

    // The click, as the browser dispatches it to the worker.
    const [worker] = user.context.serviceWorkers();
    expect(worker).toBeDefined();
    await worker?.evaluate(async () => {
      const scope = self as unknown as {
        registration: ServiceWorkerRegistration;
        dispatchEvent(event: Event): boolean;
      };
      const [notification] = await scope.registration.getNotifications();
      const NotificationEventClass = (
        globalThis as unknown as {
          NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
        }
      ).NotificationEvent;
      if (notification) {
        scope.dispatchEvent(new NotificationEventClass('notificationclick', { notification }));
      }
    });
    await visible(user.pane('Bob Pushing'));
    expect(user.pageErrors).toEqual([]);
    await user.close();
  });

  it('a notification URL opens its conversation when no tab was open', async () => {
    const ann = await registerUser(server, { displayName: 'Ann Returning' });
    const bob = await registerUser(server, { displayName: 'Bob Waiting' });
    const conversation = await openDirect(server, bob.accessToken, ann.user.id);
    await postMessage(server, bob.accessToken, conversation.id, 'Come back');
    const user = await ChatUser.signedIn(browser, server, ann);
    // A fresh load, as the worker's openWindow gives (not a hash change of the open page).
    await user.page.goto('about:blank');
    await user.page.goto(`${server.url}/#conversation=${encodeURIComponent(conversation.id)}`);
    await visible(user.pane('Bob Waiting'));
    // The hash is taken off, so a reload does not jump there again.
    expect(new URL(user.page.url()).hash).toBe('');
    await user.close();
  });
});
