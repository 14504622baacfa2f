import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, registerUser } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, hidden, newAccount, visible } from './support/chat-app';
import { ChatServer } from './support/server';

let server: ChatServer;
let browser: Browser;
const users: ChatUser[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([ChatServer.start(), launchChromium()]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

/** Nothing the page did threw or broke its own CSP. */
async function expectCleanPages(): Promise<void> {
  for (const user of users) {
    expect(user.pageErrors).toEqual([]);
    if (!user.page.isClosed()) expect(await user.cspViolations()).toEqual([]);
  }
}

describe('the web session across tabs and browser restarts', () => {
  it('new tabs and reloads stay signed in, and sign-in or sign-out in one tab reaches the others', async () => {
    const first = await ChatUser.open(browser, server, newAccount('Tabby Cat'));
    users.push(first);
    await first.register();
    // The page keeps no token: the refresh token is an HttpOnly cookie.
    const stored = await first.page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    expect(stored).toContain('Tabby Cat');
    expect(stored).not.toMatch(/refresh|token/i);
    const cookies = await first.context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([
      ['chat_refresh', true, 'Strict', '/api/auth/refresh'],
    ]);

    const second = await first.openTab();
    users.push(second);
    await second.waitForShell();

    // Both tabs reload again and again at once: their refreshes take turns, so the
    // single-use refresh token is never presented twice (that would end the session).
    for (let round = 0; round < 8; round++) {
      await Promise.all([first.reload(), second.reload()]);
    }

    // Every tab closed, then a new one (as after a browser restart): still signed in.
    await first.page.close();
    await second.page.close();
    await first.reopen();
    await first.waitForShell();
    // The browser quits and starts again with the same profile: still signed in.
    const restarted = await first.restart(browser);
    users.push(restarted);
    await restarted.waitForShell();

    // Sign out in one tab: the other shows the sign-in screen.
    const other = await restarted.openTab();
    users.push(other);
    await other.waitForShell();
    await restarted.signOut();
    await other.waitForSignIn();
    expect(await restarted.context.cookies()).toEqual([]);

    // Sign in in one: the other's sign-in screen takes it up.
    await other.signIn();
    await restarted.waitForShell();
    await expectCleanPages();
    await restarted.close();
  });
});

describe('unsent messages at sign-out', () => {
  it('asks whether to discard them; kept ones go out when the same person signs in again, discarded ones never', async () => {
    const aliceAccount = await registerUser(server, { displayName: 'Alice Outbox' });
    const bobAccount = await registerUser(server, { displayName: 'Bob Outbox' });
    const conversation = await openDirect(server, aliceAccount.accessToken, bobAccount.user.id);
    const alice = await ChatUser.signedIn(browser, server, aliceAccount);
    users.push(alice);
    await alice.openConversation('Bob Outbox');

    // Offline, she writes; it waits in the outbox. Signing out asks about it.
    await server.stop();
    await visible(alice.page.getByText('Connection lost. Reconnecting…'));
    await alice.send('Kept for later');
    await visible(alice.tick('Kept for later', 'Sending'));
    await alice.signOut({ expect: 'Discard 1 unsent message?', choose: 'Keep them for next time' });

    // Back online and signed in again, the kept message is sent.
    await server.start();
    await alice.signIn();
    await alice.openConversation('Bob Outbox');
    await visible(alice.tick('Kept for later', 'Sent'));

    // Again, and this time she discards it: it is gone, from her screen and the server.
    await server.stop();
    await visible(alice.page.getByText('Connection lost. Reconnecting…'));
    await alice.send('Thrown away');
    await visible(alice.tick('Thrown away', 'Sending'));
    await alice.signOut({ expect: 'Discard 1 unsent message?', choose: 'Discard and sign out' });
    await server.start();
    await alice.signIn();
    await alice.openConversation('Bob Outbox');
    await alice.send('After the discard');
    await visible(alice.tick('After the discard', 'Sent'));
    await hidden(alice.message('Thrown away'));

    const history = await server.http.get<{ messages: { body: string }[] }>(
      `/api/conversations/${conversation.id}/messages`,
      { token: bobAccount.accessToken },
    );
    expect(history.body.messages.map((m) => m.body)).toEqual([
      'Kept for later',
      'After the discard',
    ]);

    // With nothing unsent, signing out asks nothing.
    await alice.signOut();
    await expectCleanPages();
    await alice.close();
  });
});
