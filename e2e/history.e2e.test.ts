import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, registerUser } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, visible } from './support/chat-app';
import { seedMessages } from './support/seed';
import { ChatServer } from './support/server';

const HISTORY = 500;

let server: ChatServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    // Seeding 500 messages from two accounts in seconds is what the send limiter exists
    // to refuse; this suite is about reading history, not about the limiter.
    ChatServer.start({ config: { rateLimits: false } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

interface Row {
  seq: number;
  text: string;
}

describe('a long history', () => {
  it('scrolls from the latest message to the first with nothing missing or duplicated', async () => {
    const alice = await registerUser(server, { displayName: 'Alice History' });
    const bob = await registerUser(server, { displayName: 'Bob History' });
    const conversation = await openDirect(server, alice.accessToken, bob.user.id);

    // Both write, so the list holds own and others' rows; the server's seq is the truth.
    const stored = await seedMessages(server, conversation.id, HISTORY, (n) => {
      const sender = n % 3 === 0 ? alice : bob;
      return { sender, body: `History line ${n} from ${sender.user.displayName}` };
    });
    expect([...stored.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: HISTORY }, (_, i) => i + 1),
    );
    // Read up to the end, so the conversation opens at the latest message.
    const read = await server.http.post(`/api/conversations/${conversation.id}/read`, {
      token: alice.accessToken,
      body: { seq: HISTORY },
    });
    expect(read.status).toBe(204);

    const user = await ChatUser.signedIn(browser, server, alice);
    await user.openConversation('Bob History');
    await visible(user.message(stored.get(HISTORY) ?? ''));

    const seen = new Map<number, string>();
    const problems: string[] = [];
    const deadline = Date.now() + 90_000;
    for (;;) {
      // One step: read the rows on screen, then scroll up most of a screen.
      const step = await user.page.evaluate(() => {
        const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="message"]')].map(
          (row) => ({
            seq: Number(row.dataset.seq),
            text: row.querySelector('[data-testid="message-body"]')?.textContent ?? '',
          }),
        );
        const scroller = document.querySelector<HTMLElement>('[data-virtuoso-scroller]');
        const atTop = scroller === null || scroller.scrollTop === 0;
        scroller?.scrollBy(0, -Math.round(scroller.clientHeight * 0.7));
        const beginning = document.body.textContent.includes(
          'This is the beginning of the conversation.',
        );
        return { rows, atTop, beginning };
      });
      const seqs = step.rows.map((row: Row) => row.seq);
      for (let i = 1; i < seqs.length; i++) {
        if (!((seqs[i] ?? 0) > (seqs[i - 1] ?? 0))) {
          problems.push(`rows out of order or repeated on screen: ${seqs.join(',')}`);
          break;
        }
      }
      for (const row of step.rows) {
        const earlier = seen.get(row.seq);
        if (earlier !== undefined && earlier !== row.text) {
          problems.push(`seq ${row.seq} shown as "${earlier}" and as "${row.text}"`);
        }
        seen.set(row.seq, row.text);
      }
      if (step.beginning && step.atTop && seen.has(1)) break;
      if (Date.now() > deadline) {
        throw new Error(
          `did not reach the first message; lowest seen: ${Math.min(...seen.keys())}`,
        );
      }
      // Let the list react to the scroll (measure, render, maybe fetch an older page).
      await user.page.evaluate(
        () =>
          new Promise<void>((resolve) => {
            requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
          }),
      );
    }

    expect(problems).toEqual([]);
    expect(seen.size).toBe(HISTORY);
    for (const [seq, body] of stored) expect(seen.get(seq), `seq ${seq}`).toBe(body);
    // The first message is on screen, under the beginning-of-conversation marker.
    await visible(user.message(stored.get(1) ?? ''));
    expect(user.pageErrors).toEqual([]);
  });
});
