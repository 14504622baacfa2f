import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@chat/protocol';
import { openDirect, registerUser } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, hidden, visible } from './support/chat-app';
import { ChatServer } from './support/server';

let server: ChatServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    ChatServer.start({ timings: { presenceOfflineGraceMs: 300 } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

/** Any of the connection banners (connecting, reconnecting, offline, catching up). */
function banner(user: ChatUser) {
  return user.page
    .getByRole('status')
    .filter({ hasText: /Connecting|Reconnecting|offline|Catching up/ });
}

const WAITING = "Waiting for connection — will send when you're back online";

describe('an API restart', () => {
  it('shows the connection banner and delivers what was sent meanwhile exactly once', async () => {
    const aliceAccount = await registerUser(server, { displayName: 'Alice Restart' });
    const bobAccount = await registerUser(server, { displayName: 'Bob Restart' });
    const conversation = await openDirect(server, aliceAccount.accessToken, bobAccount.user.id);
    // Bob opens it too, so both list it before its first message.
    await openDirect(server, bobAccount.accessToken, aliceAccount.user.id);
    const [alice, bob] = await Promise.all([
      ChatUser.signedIn(browser, server, aliceAccount),
      ChatUser.signedIn(browser, server, bobAccount),
    ]);
    await alice.openConversation('Bob Restart');
    await bob.openConversation('Alice Restart');

    await alice.send('Before the restart');
    await visible(bob.message('Before the restart'));
    const bobOnline = alice.paneStatus('Bob Restart').getByText('online', { exact: true });
    await visible(bobOnline);

    // Alice is typing when the API goes down, and presses Enter as it does.
    const racing = 'Sent while the API shuts down';
    await alice.composer().pressSequentially(racing);
    await visible(bob.paneStatus('Alice Restart').getByText('typing…'));
    await Promise.all([alice.composer().press('Enter'), server.stop()]);

    await visible(alice.page.getByText('Connection lost. Reconnecting…'));
    await visible(bob.page.getByText('Connection lost. Reconnecting…'));
    // Nobody's presence is known while disconnected: Bob is no longer shown online.
    await hidden(bobOnline);

    // While it is down she writes another; it waits in the outbox and, past the ack
    // timeout, says it waits for the connection instead of showing a clock forever.
    const queued = 'Written while the API is down';
    await alice.composer().pressSequentially(queued);
    await alice.composer().press('Enter');
    await visible(alice.tick(queued, 'Waiting for connection'));
    await visible(alice.message(queued).getByText(WAITING));

    await server.start();
    await hidden(banner(alice), 60_000);
    await hidden(banner(bob), 60_000);
    // Presence comes back from the server.
    await visible(bobOnline);
    await hidden(alice.message(queued).getByText(WAITING));

    // Each arrives once, in the order written, and Bob (looking at it) has read them.
    const expected = ['Before the restart', racing, queued];
    await visible(bob.message(queued));
    await visible(bob.message(racing));
    await visible(alice.tick(queued, 'Read'));
    expect(await bob.messageTexts()).toEqual(expected);
    expect(await alice.messageTexts()).toEqual(expected);

    const history = await server.http.get<{ messages: Message[] }>(
      `/api/conversations/${conversation.id}/messages`,
      { token: bobAccount.accessToken },
    );
    expect(history.status).toBe(200);
    expect(history.body.messages.map((m) => m.body)).toEqual(expected);
    expect(history.body.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect([...alice.pageErrors, ...bob.pageErrors]).toEqual([]);
  });
});

describe('the connection banner', () => {
  it('offers Retry now, which connects as soon as the API is back', async () => {
    const carolAccount = await registerUser(server, { displayName: 'Carol Retry' });
    const carol = await ChatUser.signedIn(browser, server, carolAccount);
    await server.stop();
    await visible(carol.page.getByText('Connection lost. Reconnecting…'));
    const retry = carol.page.getByRole('button', { name: 'Retry now' });
    await visible(retry);

    await server.start();
    await retry.click();
    await hidden(banner(carol));
    await hidden(retry);
    expect(carol.pageErrors).toEqual([]);
    await carol.close();
  });
});
