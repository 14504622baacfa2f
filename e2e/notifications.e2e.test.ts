/**
 * Browser notifications (issue #13 item 1): with notifications allowed, signing in or
 * reloading announces nothing already there; only a message that arrives live does.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, postMessage, registerUser } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, hidden, visible } from './support/chat-app';
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

declare global {
  interface Window {
    /** Filled by the init script below: every notification the page created. */
    __notifications?: { title: string; body: string | undefined }[];
  }
}

/** Runs in the page before its scripts: records each `new Notification(…)`. */
function recordNotifications(): void {
  const shown: { title: string; body: string | undefined }[] = [];
  window.__notifications = shown;
  const Native = window.Notification;
  class Recording extends Native {
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, body: options?.body });
      super(title, options);
    }
  }
  window.Notification = Recording;
}

async function shownBodies(user: ChatUser): Promise<(string | undefined)[]> {
  return user.page.evaluate(() => (window.__notifications ?? []).map((n) => n.body));
}

/** Signed in, the list loaded and caught up (no connection banner). */
async function settled(user: ChatUser, title: string, preview: string): Promise<void> {
  await visible(user.conversationRow(title).getByText(preview));
  await hidden(
    user.page.getByRole('status').filter({ hasText: /Connecting|Reconnecting|Catching up/ }),
  );
}

describe('notifications', () => {
  it('none for history at sign-in or reload, one for a message that arrives live', async () => {
    const ann = await registerUser(server, { displayName: 'Ann Notified' });
    const bob = await registerUser(server, { displayName: 'Bob Notifying' });
    const conversation = await openDirect(server, bob.accessToken, ann.user.id);
    for (let i = 1; i <= 3; i++) {
      await postMessage(server, bob.accessToken, conversation.id, `Already read ${i}`);
    }
    // Read on another device of Ann's.
    const read = await server.http.post(`/api/conversations/${conversation.id}/read`, {
      token: ann.accessToken,
      body: { seq: 3 },
    });
    expect(read.status).toBe(204);
    for (let i = 1; i <= 5; i++) {
      await postMessage(server, bob.accessToken, conversation.id, `Not read yet ${i}`);
    }

    const user = await ChatUser.open(
      browser,
      server,
      { username: ann.user.username, displayName: ann.user.displayName, password: ann.password },
      { permissions: ['notifications'] },
    );
    await user.context.addInitScript(recordNotifications);
    await user.load();
    expect(await user.page.evaluate(() => Notification.permission)).toBe('granted');
    await user.signIn();
    await settled(user, 'Bob Notifying', 'Not read yet 5');
    expect(await shownBodies(user)).toEqual([]);

    await user.reload();
    await settled(user, 'Bob Notifying', 'Not read yet 5');
    expect(await shownBodies(user)).toEqual([]);

    await postMessage(server, bob.accessToken, conversation.id, 'Arrives live');
    await settled(user, 'Bob Notifying', 'Arrives live');
    expect(await shownBodies(user)).toEqual(['Arrives live']);
    expect(user.pageErrors).toEqual([]);
    await user.close();
  });
});
