import type { Browser, Locator, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, registerUser } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, hidden, UI_TIMEOUT_MS, visible } from './support/chat-app';
import { seedMessages } from './support/seed';
import { ChatServer } from './support/server';

let server: ChatServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    // Hundreds of messages in seconds is what the send limiter exists to refuse.
    ChatServer.start({ config: { rateLimits: false } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

/** Whether all of `locator` is inside the scrolled log's viewport, not only rendered. */
async function onScreen(log: Locator, locator: Locator): Promise<boolean> {
  const [box, view] = await Promise.all([locator.boundingBox(), log.boundingBox()]);
  if (box === null || view === null) return false;
  return box.y >= view.y - 1 && box.y + box.height <= view.y + view.height + 1;
}

describe('older history', () => {
  it('a failed older page can be tried again from the list header', async () => {
    const alice = await registerUser(server, { displayName: 'Alice Retry' });
    const carol = await registerUser(server, { displayName: 'Carol Retry' });
    const conversation = await openDirect(server, carol.accessToken, alice.user.id);
    await seedMessages(server, conversation.id, 120, (n) => ({
      sender: carol,
      body: `Retry line ${n} of 120`,
    }));
    // All read: the conversation opens on its latest page of 50 (71…120).
    const read = await server.http.post(`/api/conversations/${conversation.id}/read`, {
      token: alice.accessToken,
      body: { seq: 120 },
    });
    expect(read.status).toBe(204);

    const user = await ChatUser.signedIn(browser, server, alice);
    // Older pages are refused until the test says otherwise; `gate` holds one in flight.
    let refuse = true;
    let gate: Promise<void> | null = null;
    const olderRequests: string[] = [];
    await user.page.route(
      (url) => url.pathname.endsWith('/messages') && url.searchParams.has('before'),
      async (route: Route) => {
        olderRequests.push(new URL(route.request().url()).searchParams.get('before') ?? '');
        if (gate !== null) await gate;
        if (!refuse) return route.continue();
        return route.fulfill({
          status: 500,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'internal', message: 'History is resting.' } }),
        });
      },
    );

    await user.openConversation('Carol Retry');
    const pane = user.pane('Carol Retry');
    await visible(user.message('Retry line 120 of 120'));
    expect(await user.message('Retry line 70 of 120').count()).toBe(0);

    // Scroll to the top, as a reader does: the older page is asked for and refused.
    const failure = pane.getByText('Could not load older messages: History is resting.');
    await expect
      .poll(
        async () => {
          await user.page.evaluate(() => {
            const scroller = document.querySelector('[data-virtuoso-scroller]');
            scroller?.scrollTo({ top: 0 });
          });
          return failure.isVisible();
        },
        { timeout: UI_TIMEOUT_MS },
      )
      .toBe(true);
    const tryAgain = pane.getByRole('button', { name: 'Try again to load older messages' });
    await visible(tryAgain);

    // Trying again while the server still refuses: loading first, then the error again.
    let release = (): void => undefined;
    gate = new Promise((resolve) => (release = resolve));
    const before = olderRequests.length;
    await tryAgain.click();
    await visible(pane.getByText('Loading older messages…'));
    await hidden(tryAgain);
    release();
    gate = null;
    await visible(failure);
    expect(olderRequests.length).toBe(before + 1);

    // Now it answers; the button is reached and pressed from the keyboard.
    refuse = false;
    await tryAgain.focus();
    await user.page.keyboard.press('Enter');
    await visible(user.message('Retry line 70 of 120'));
    await hidden(failure);
    await hidden(tryAgain);
    // Every retry asked for the same page: the one before the oldest message held.
    expect(new Set(olderRequests)).toEqual(new Set(['71']));
    expect(user.pageErrors).toEqual([]);
    await user.close();
  });
});

describe('more unread than the first page holds', () => {
  it('offers a jump to the first unread message, loads back to it and shows the divider', async () => {
    const alice = await registerUser(server, { displayName: 'Alice Unread' });
    const bob = await registerUser(server, { displayName: 'Bob Unread' });
    const conversation = await openDirect(server, bob.accessToken, alice.user.id);
    await seedMessages(server, conversation.id, 260, (n) => ({
      sender: bob,
      body: `Unread ${n} of 260`,
    }));

    const user = await ChatUser.signedIn(browser, server, alice);
    await user.openConversation('Bob Unread');
    const pane = user.pane('Bob Unread');
    const log = user.messageLog('Bob Unread');
    await visible(user.message('Unread 260 of 260'));

    // The first page (200) does not reach the first unread message: no divider pretends
    // it does, and the bar says how much is unread.
    const divider = pane.getByRole('separator', { name: 'New messages' });
    expect(await divider.count()).toBe(0);
    await visible(pane.getByText(/^260 new messages, the first before /));
    expect(await user.message('Unread 1 of 260').count()).toBe(0);

    await pane.getByRole('button', { name: 'Jump to the first unread message' }).click();

    const first = user.message('Unread 1 of 260');
    await visible(first);
    await visible(divider);
    await expect.poll(() => onScreen(log, divider), { timeout: UI_TIMEOUT_MS }).toBe(true);
    await expect.poll(() => onScreen(log, first), { timeout: UI_TIMEOUT_MS }).toBe(true);
    // The divider sits right above the first unread message.
    const [dividerBox, firstBox] = await Promise.all([divider.boundingBox(), first.boundingBox()]);
    expect(dividerBox).not.toBeNull();
    expect(firstBox).not.toBeNull();
    if (dividerBox !== null && firstBox !== null) {
      expect(dividerBox.y).toBeGreaterThanOrEqual(firstBox.y);
    }
    await hidden(pane.getByRole('button', { name: 'Jump to the first unread message' }));
    expect(user.pageErrors).toEqual([]);
    await user.close();
  });
});
