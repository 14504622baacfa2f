import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser';
import { ChatUser, hidden, newAccount, visible } from './support/chat-app';
import { ChatServer } from './support/server';

let server: ChatServer;
let browser: Browser;
const users: ChatUser[] = [];

async function person(displayName: string): Promise<ChatUser> {
  const user = await ChatUser.open(browser, server, newAccount(displayName));
  users.push(user);
  return user;
}

beforeAll(async () => {
  [server, browser] = await Promise.all([
    // A short offline grace so "last seen" shows without waiting the contract's 5 s.
    ChatServer.start({ timings: { presenceOfflineGraceMs: 300 } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

/** Nothing the people did made the page throw, alert or break its own CSP. */
async function expectCleanPages(): Promise<void> {
  for (const user of users) {
    expect(user.pageErrors, user.account.displayName).toEqual([]);
    expect(user.dialogs, user.account.displayName).toEqual([]);
    if (!user.page.isClosed()) {
      expect(await user.cspViolations(), user.account.displayName).toEqual([]);
    }
  }
}

describe('two people in two browsers', () => {
  it('register, find each other and chat both ways with presence, typing and receipts', async () => {
    const alice = await person('Alice Liddell');
    const bob = await person('Bob Builder');
    await Promise.all([alice.register(), bob.register()]);
    const aliceName = alice.account.displayName;
    const bobName = bob.account.displayName;

    // Alice finds Bob by username; Bob is online. The chat reaches him with its first
    // message, not before: an empty conversation is Alice's alone.
    await alice.startDirect(bob.account);
    await visible(alice.paneStatus(bobName).getByText('online', { exact: true }));
    await alice.send('Hi Bob, how are you?');
    await visible(bob.conversationRow(aliceName).getByText('Hi Bob, how are you?'));
    await bob.openConversation(aliceName);
    await visible(bob.paneStatus(aliceName).getByText('online', { exact: true }));
    await visible(bob.message('Hi Bob, how are you?'));
    // Bob has the conversation open: it is read.
    await visible(alice.tick('Hi Bob, how are you?', 'Read'));

    // Typing shows on the other side while Alice writes, and stops when she sends.
    await alice.composer().pressSequentially('Anyone home?');
    await visible(bob.paneStatus(aliceName).getByText('typing…'));
    await alice.composer().press('Enter');
    await visible(bob.message('Anyone home?'));
    await hidden(bob.paneStatus(aliceName).getByText('typing…'));
    await visible(alice.tick('Anyone home?', 'Read'));

    await bob.composer().pressSequentially('Great, thanks!');
    await visible(alice.paneStatus(bobName).getByText('typing…'));
    await bob.composer().press('Enter');
    await visible(alice.message('Great, thanks!'));
    await hidden(alice.paneStatus(bobName).getByText('typing…'));
    await visible(bob.tick('Great, thanks!', 'Read'));

    // Bob leaves: Alice sees him go offline, and her next message stays "Sent".
    await bob.page.close();
    await visible(alice.paneStatus(bobName).getByText(/^last seen/));
    await alice.send('Are you still there?');
    await visible(alice.tick('Are you still there?', 'Sent'));

    // Bob comes back (a new tab of his browser, still signed in): he holds it, so it is
    // delivered...
    await bob.reopen();
    await bob.waitForShell();
    await visible(alice.paneStatus(bobName).getByText('online', { exact: true }));
    await visible(alice.tick('Are you still there?', 'Delivered'));
    await visible(bob.conversationRow(aliceName).getByLabel('1 unread'));
    // ...and read once he opens the conversation.
    await bob.openConversation(aliceName);
    await visible(bob.message('Are you still there?'));
    await visible(alice.tick('Are you still there?', 'Read'));
    await hidden(bob.conversationRow(aliceName).getByLabel('1 unread'));

    // Each side holds each message exactly once, in the same order.
    const expected = [
      'Hi Bob, how are you?',
      'Anyone home?',
      'Great, thanks!',
      'Are you still there?',
    ];
    for (const user of [alice, bob]) {
      expect(await user.messageTexts()).toEqual(expected);
    }

    // Screen readers get a named log of list items, one per message.
    const log = alice.messageLog(bobName);
    expect(await log.getAttribute('aria-live')).toBe('polite');
    expect(await log.getByRole('listitem').count()).toBe(expected.length);

    // A short history sits at the bottom, the start marker right above its first message.
    const marker = log.getByText('This is the beginning of the conversation.');
    const [logBox, markerBox, firstBox, lastBox] = await Promise.all([
      log.boundingBox(),
      marker.boundingBox(),
      alice
        .message(expected[0] ?? '')
        .getByTestId('message-body')
        .boundingBox(),
      alice.message(expected.at(-1) ?? '').boundingBox(),
    ]);
    if (!logBox || !markerBox || !firstBox || !lastBox) throw new Error('not laid out');
    const markerBottom = markerBox.y + markerBox.height;
    expect(markerBottom).toBeLessThanOrEqual(firstBox.y);
    // Only the day label lies between them.
    expect(firstBox.y - markerBottom).toBeLessThan(80);
    expect(logBox.y + logBox.height - (lastBox.y + lastBox.height)).toBeLessThan(40);
    await expectCleanPages();
  });
});

describe('a group of three', () => {
  it('is created by one, appears for the others, and carries everyone’s messages', async () => {
    const [ann, ben, cat] = await Promise.all([
      person('Ann Group'),
      person('Ben Group'),
      person('Cat Group'),
    ]);
    await Promise.all([ann.register(), ben.register(), cat.register()]);
    const title = 'Weekend trip';

    await ann.createGroup(title, [ben.account, cat.account]);
    await visible(ann.paneStatus(title).getByText('3 members, 2 online'));
    await visible(ben.conversationRow(title));
    await visible(cat.conversationRow(title));
    await ben.openConversation(title);

    // Ben and Cat both hold it; only Ben has it open, so it is delivered, not read...
    await ann.send('Who is in for Saturday?');
    await visible(ben.message('Who is in for Saturday?'));
    await visible(ann.tick('Who is in for Saturday?', 'Delivered'));
    await visible(cat.conversationRow(title).getByLabel('1 unread'));
    // ...until Cat opens it too.
    await cat.openConversation(title);
    await visible(ann.tick('Who is in for Saturday?', 'Read'));

    // Typing names the typist in a group (the name is bidi-isolated in the sentence).
    await ben.composer().pressSequentially('Me!');
    await visible(ann.paneStatus(title).getByText('\u2068Ben Group\u2069 is typing…'));
    await visible(cat.paneStatus(title).getByText('\u2068Ben Group\u2069 is typing…'));
    await ben.composer().press('Enter');
    await cat.send('Count me in too');

    // Everyone sees every message once, in one order, with the sender's name on others'.
    const expected = ['Who is in for Saturday?', 'Me!', 'Count me in too'];
    for (const user of [ann, ben, cat]) {
      for (const text of expected) await visible(user.message(text));
      expect(await user.messageTexts()).toEqual(expected);
    }
    await visible(cat.message('Me!').getByText('Ben Group', { exact: true }));
    await visible(ben.message('Who is in for Saturday?').getByText('Ann Group', { exact: true }));
    await expectCleanPages();
  });
});
