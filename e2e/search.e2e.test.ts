import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, postMessage, registerUser } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, UI_TIMEOUT_MS, visible } from './support/chat-app';
import { seedMessages } from './support/seed';
import { ChatServer } from './support/server';

const HISTORY = 400;
/** The message to find: 300 messages before the latest. */
const TARGET = HISTORY - 300;

let server: ChatServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    ChatServer.start({ config: { rateLimits: false } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

/** The seqs of the message rows rendered now, top to bottom. */
function renderedSeqs(user: ChatUser): Promise<number[]> {
  return user.page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid="message"]')].map((row) =>
      Number(row.dataset.seq),
    ),
  );
}

/** Scrolls the message log by `dy` pixels until `done` holds for the rendered seqs. */
async function scrollUntil(
  user: ChatUser,
  dy: number,
  done: (seqs: number[]) => boolean,
): Promise<number[]> {
  const deadline = Date.now() + UI_TIMEOUT_MS * 2;
  for (;;) {
    const seqs = await renderedSeqs(user);
    if (done(seqs)) return seqs;
    if (Date.now() > deadline) throw new Error(`scrolling never got there: ${seqs.join(',')}`);
    await user.page.evaluate((by) => {
      document.querySelector<HTMLElement>('[data-virtuoso-scroller]')?.scrollBy(0, by);
      return new Promise<void>((resolve) => {
        requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
      });
    }, dy);
  }
}

/** Every history request (`GET …/messages?…`) the page makes from now on, as URLs. */
function historyRequests(user: ChatUser): URL[] {
  const seen: URL[] = [];
  user.page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'GET' && /\/api\/conversations\/[^/]+\/messages$/.test(url.pathname)) {
      seen.push(url);
    }
  });
  return seen;
}

describe('message search', () => {
  it('finds a message 300 back, opens it highlighted with `around`, and history scrolls both ways from it', async () => {
    const alice = await registerUser(server, { displayName: 'Alice Search' });
    const bob = await registerUser(server, { displayName: 'Bob Search' });
    const conversation = await openDirect(server, alice.accessToken, bob.user.id);
    const stored = await seedMessages(server, conversation.id, HISTORY, (n) => ({
      sender: n % 2 ? alice : bob,
      body: n === TARGET ? `The old address is 12 Zanzibar Lane, n ${n}` : `Filler line ${n}`,
    }));
    const targetSeq = [...stored].find(([, body]) => body.includes('Zanzibar'))?.[0];
    if (targetSeq === undefined) throw new Error('the target was not stored');
    await server.http.post(`/api/conversations/${conversation.id}/read`, {
      token: alice.accessToken,
      body: { seq: HISTORY },
    });

    const user = await ChatUser.signedIn(browser, server, alice);
    await user.openConversation('Bob Search');
    await visible(user.message(stored.get(HISTORY) ?? ''));
    expect(await renderedSeqs(user)).not.toContain(targetSeq);

    // Ctrl+K opens the search; a word prefix, without its capital, finds it.
    await user.page.keyboard.press('Control+k');
    const box = user.page.getByRole('combobox', { name: 'Search messages' });
    await visible(box);
    await box.fill('zanzi');
    const result = user.page.getByTestId('search-result');
    await visible(result.first());
    expect(await result.count()).toBe(1);
    // The match is marked as an element, and the snippet is text, never markup.
    expect(await result.first().locator('mark').allTextContents()).toEqual(['Zanzibar']);
    await visible(result.first().getByText('Bob Search'));
    const requests = historyRequests(user);
    await box.press('Enter');

    // The conversation scrolls to the message and highlights it.
    const row = user.page.locator(`[data-testid="message"][data-seq="${targetSeq}"]`);
    await visible(row);
    await visible(
      user.page.locator(`[data-testid="message"][data-seq="${targetSeq}"][data-highlighted]`),
    );
    await expect.poll(() => row.isVisible(), { timeout: UI_TIMEOUT_MS }).toBe(true);
    // Loaded with `around`, not by paging back through the 300 messages in between (a page
    // each way may follow as the window fills the screen).
    expect(
      requests.filter((url) => url.searchParams.get('around') === String(targetSeq)),
    ).toHaveLength(1);
    expect(requests.length).toBeLessThanOrEqual(3);
    expect(requests.filter((url) => Number(url.searchParams.get('before')) > targetSeq)).toEqual(
      [],
    );
    expect(await renderedSeqs(user)).not.toContain(HISTORY);

    // "Jump to latest" goes back to the live tail.
    const jumpToLatest = user.page.getByRole('button', { name: /^Jump to latest/ });
    await visible(jumpToLatest);
    await jumpToLatest.click();
    await visible(user.message(stored.get(HISTORY) ?? ''));
    await expect.poll(() => jumpToLatest.isVisible(), { timeout: UI_TIMEOUT_MS }).toBe(false);

    // The same result again; from there, newer pages load on scrolling down until the
    // window meets the latest message, and older ones on scrolling up.
    await user.page.keyboard.press('Control+k');
    await visible(box);
    await box.fill('zanzibar');
    await visible(result.first());
    await box.press('Enter');
    await visible(
      user.page.locator(`[data-testid="message"][data-seq="${targetSeq}"][data-highlighted]`),
    );
    await visible(jumpToLatest);
    // A message arriving now belongs after the latest, not in the window: it waits there,
    // counted on the button, until the window reaches it.
    const late = await postMessage(server, bob.accessToken, conversation.id, 'Arrived meanwhile');
    await visible(user.page.getByRole('button', { name: 'Jump to latest, 1 new message' }));
    expect(await renderedSeqs(user)).not.toContain(late.seq);
    await scrollUntil(user, 600, (seqs) => seqs.includes(late.seq));
    expect(await renderedSeqs(user)).toContain(HISTORY);
    expect(requests.some((url) => url.searchParams.has('after'))).toBe(true);
    // Joined to the live tail: nothing to jump back to.
    await expect.poll(() => jumpToLatest.isVisible(), { timeout: UI_TIMEOUT_MS }).toBe(false);
    const beforeOlder = requests.length;
    await scrollUntil(user, -600, (seqs) => seqs.some((s) => s < targetSeq - 60));
    expect(requests.slice(beforeOlder).some((url) => url.searchParams.has('before'))).toBe(true);
    await scrollUntil(user, -600, (seqs) => seqs.includes(1));
    expect(user.pageErrors).toEqual([]);
  });

  it('Ctrl+F opens the search too, and Escape closes it', async () => {
    const carol = await registerUser(server, { displayName: 'Carol Search' });
    const user = await ChatUser.signedIn(browser, server, carol);
    await user.page.keyboard.press('Control+f');
    const box = user.page.getByRole('combobox', { name: 'Search messages' });
    await visible(box);
    await box.fill('"unbalanced OR *');
    await visible(user.page.getByRole('status').filter({ hasText: 'No messages match' }));
    await box.press('Escape');
    await expect.poll(() => box.isVisible(), { timeout: UI_TIMEOUT_MS }).toBe(false);
  });
});
