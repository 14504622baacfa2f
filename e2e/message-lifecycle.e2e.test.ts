import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser';
import { openDirect, postMessage, registerUser } from '@chat/api/testing';
import { ChatUser, hidden, newAccount, visible } from './support/chat-app';
import { seedMessages } from './support/seed';
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
    ChatServer.start({ config: { rateLimits: false } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

/** The row whose own body is `text` (a reply quoting it is not that row). */
function row(user: ChatUser, text: string): Locator {
  return user.messages().filter({
    has: user.page.getByTestId('message-body').getByText(text, { exact: true }),
  });
}

describe('changing messages, seen live by the other person', () => {
  it('reply, react, edit, mention and delete', async () => {
    const alice = await person('Alice Changes');
    const bob = await person('Bob Changes');
    await Promise.all([alice.register(), bob.register()]);
    const aliceName = alice.account.displayName;

    await alice.startDirect(bob.account);
    await alice.send('Lunch at 12?');
    await visible(bob.conversationRow(aliceName).getByText('Lunch at 12?'));
    await bob.openConversation(aliceName);
    await visible(row(bob, 'Lunch at 12?'));

    // Reply: Bob picks Reply on Alice's message; the quote shows above his composer and
    // then in his message, on both sides.
    await row(bob, 'Lunch at 12?')
      .getByRole('button', { name: `Reply to ${aliceName}` })
      .click();
    await visible(bob.page.getByTestId('composer-intent').getByText('Lunch at 12?'));
    await bob.composer().fill('Yes, see you there');
    await bob.composer().press('Enter');
    await hidden(bob.page.getByTestId('composer-intent'));
    for (const user of [alice, bob]) {
      await visible(
        row(user, 'Yes, see you there').getByTestId('reply-quote').getByText('Lunch at 12?'),
      );
    }

    // React: Alice reacts with a thumbs up from the picker; Bob sees the chip; a click on
    // the chip takes hers back.
    await row(alice, 'Yes, see you there')
      .getByRole('button', { name: 'React', exact: true })
      .click();
    await alice.page
      .getByTestId('emoji-picker')
      .getByRole('button', { name: 'thumbs up', exact: true })
      .first()
      .click();
    const bobChip = row(bob, 'Yes, see you there').getByTestId('reaction');
    await visible(bobChip.filter({ hasText: '👍1' }));
    const aliceChip = row(alice, 'Yes, see you there').getByTestId('reaction');
    expect(await aliceChip.getAttribute('aria-pressed')).toBe('true');
    await aliceChip.click();
    await hidden(bobChip);

    // Edit: Alice edits her message from its actions; Bob sees the new text marked edited.
    await row(alice, 'Lunch at 12?').getByRole('button', { name: 'Edit message' }).click();
    await visible(alice.page.getByTestId('composer-intent').getByText('Editing message'));
    await alice.composer().fill('Lunch at 1?');
    await alice.composer().press('Enter');
    await visible(row(bob, 'Lunch at 1?').getByTestId('message-edited'));
    await hidden(row(bob, 'Lunch at 12?'));
    await visible(row(alice, 'Lunch at 1?').getByTestId('message-edited'));

    // Mention: Bob names Alice; her copy highlights the mention and marks the message.
    const mention = `@${alice.account.username} bring the umbrella`;
    await bob.send(mention);
    const mentioned = row(alice, mention);
    await visible(mentioned.getByTestId('mention'));
    expect(await mentioned.getAttribute('data-mentions-me')).toBe('true');
    // Her own name stands out from other mentions: marked, bold, titled.
    const own = mentioned.getByTestId('mention');
    expect(await own.getAttribute('data-mention-self')).toBe('true');
    expect(await own.evaluate((el) => [el.tagName, getComputedStyle(el).fontWeight])).toEqual([
      'MARK',
      '700',
    ]);
    expect(await own.getAttribute('title')).toBe('Mentions you');
    // In Bob's copy it is someone else's name.
    expect(await row(bob, mention).getByTestId('mention').getAttribute('data-mention-self')).toBe(
      null,
    );

    // Up in an empty composer edits one's last message; Escape leaves it as it was.
    await bob.composer().press('ArrowUp');
    await visible(bob.page.getByTestId('composer-intent').getByText('Editing message'));
    expect(await bob.composer().inputValue()).toBe(mention);
    await bob.composer().press('Escape');
    await hidden(bob.page.getByTestId('composer-intent'));
    expect(await bob.composer().inputValue()).toBe('');

    // Delete: Alice deletes her message after confirming; both see the tombstone, and the
    // reply's quote says it was deleted.
    await row(alice, 'Lunch at 1?').getByRole('button', { name: 'Delete message' }).click();
    const confirm = alice.page.getByRole('dialog', { name: 'Delete this message?' });
    await confirm.getByRole('button', { name: 'Delete for everyone' }).click();
    for (const user of [alice, bob]) {
      await hidden(row(user, 'Lunch at 1?'));
      await visible(user.page.getByTestId('message-deleted'));
      await visible(
        row(user, 'Yes, see you there')
          .getByTestId('reply-quote')
          .getByText('This message was deleted'),
      );
    }
    // In a direct chat nobody edits or deletes the other's messages: those actions are
    // offered on one's own messages only.
    const bobsReply = row(alice, 'Yes, see you there');
    expect(await bobsReply.getByRole('button', { name: 'Edit message' }).count()).toBe(0);
    expect(await bobsReply.getByRole('button', { name: 'Delete message' }).count()).toBe(0);
    expect(
      await row(bob, 'Yes, see you there').getByRole('button', { name: 'Edit message' }).count(),
    ).toBe(1);

    for (const user of users) {
      expect(user.pageErrors, user.account.displayName).toEqual([]);
      expect(user.dialogs, user.account.displayName).toEqual([]);
      expect(await user.cspViolations(), user.account.displayName).toEqual([]);
    }
  });
});

/** Everything the page must not have done, for every person of a test. */
async function expectCleanPages(people: readonly ChatUser[]): Promise<void> {
  for (const user of people) {
    expect(user.pageErrors, user.account.displayName).toEqual([]);
    expect(user.dialogs, user.account.displayName).toEqual([]);
    expect(await user.cspViolations(), user.account.displayName).toEqual([]);
  }
}

async function signedInPair(aliceName: string, bobName: string) {
  const aliceAccount = await registerUser(server, { displayName: aliceName });
  const bobAccount = await registerUser(server, { displayName: bobName });
  const conversation = await openDirect(server, aliceAccount.accessToken, bobAccount.user.id);
  await openDirect(server, bobAccount.accessToken, aliceAccount.user.id);
  const [alice, bob] = await Promise.all([
    ChatUser.signedIn(browser, server, aliceAccount),
    ChatUser.signedIn(browser, server, bobAccount),
  ]);
  users.push(alice, bob);
  return { alice, bob, aliceAccount, bobAccount, conversation };
}

describe('changes while the other person is offline, and changes made offline', () => {
  it('reply, react, edit, delete and mention reach someone who was offline; their own offline edit and reaction apply once', async () => {
    const { alice, bob, aliceAccount, bobAccount, conversation } = await signedInPair(
      'Alice Away',
      'Bob Away',
    );
    await postMessage(server, aliceAccount.accessToken, conversation.id, 'Alice: to edit');
    await postMessage(server, aliceAccount.accessToken, conversation.id, 'Alice: to delete');
    await postMessage(server, bobAccount.accessToken, conversation.id, 'Bob: to quote');
    await postMessage(server, bobAccount.accessToken, conversation.id, 'Bob: typo here');
    await alice.openConversation('Bob Away');
    await bob.openConversation('Alice Away');
    await visible(row(bob, 'Bob: typo here'));
    await visible(row(alice, 'Bob: typo here'));

    // Bob's network goes away (the browser reports it): the app says so at once.
    await bob.context.setOffline(true);
    await visible(bob.page.getByText('Connection lost. Reconnecting…'));

    // Meanwhile Alice replies, reacts, edits, deletes and mentions him.
    await row(alice, 'Bob: to quote').getByRole('button', { name: 'Reply to Bob Away' }).click();
    await alice.composer().fill('Alice: the reply');
    await alice.composer().press('Enter');
    await row(alice, 'Bob: to quote').getByRole('button', { name: 'React', exact: true }).click();
    await alice.page.getByTestId('emoji-picker').getByLabel('Search emoji by name').fill('party');
    await alice.page.getByTestId('emoji-picker').getByLabel('Search emoji by name').press('Enter');
    await visible(row(alice, 'Bob: to quote').getByTestId('reaction').filter({ hasText: '🎉1' }));
    await row(alice, 'Alice: to edit').getByRole('button', { name: 'Edit message' }).click();
    // The composer takes the message's text when it enters editing: typed before that,
    // the text would be replaced (as in the first test).
    await visible(alice.page.getByTestId('composer-intent').getByText('Editing message'));
    await alice.composer().fill('Alice: edited while Bob was away');
    await alice.composer().press('Enter');
    await visible(row(alice, 'Alice: edited while Bob was away').getByTestId('message-edited'));
    await row(alice, 'Alice: to delete').getByRole('button', { name: 'Delete message' }).click();
    await alice.page
      .getByRole('dialog', { name: 'Delete this message?' })
      .getByRole('button', { name: 'Delete for everyone' })
      .click();
    await hidden(row(alice, 'Alice: to delete'));
    const mention = `@${bobAccount.user.username} are you there?`;
    await alice.send(mention);

    // And Bob, offline, fixes his typo (Up in the empty composer) and reacts to the
    // reply from the right-click menu: both show at once, marked as waiting.
    await bob.composer().press('ArrowUp');
    await visible(bob.page.getByTestId('composer-intent').getByText('Editing message'));
    await bob.composer().fill('Bob: typo fixed offline');
    await bob.composer().press('Enter');
    const bobFixed = row(bob, 'Bob: typo fixed offline');
    await visible(bobFixed.getByTestId('change-pending'));
    await row(bob, 'Bob: to quote').click({ button: 'right' });
    const menu = bob.page.getByRole('menu', { name: 'Message actions' });
    await menu.getByRole('menuitem', { name: 'React' }).click();
    await bob.page.getByTestId('emoji-picker').getByLabel('Search emoji by name').fill('eyes');
    await bob.page.getByTestId('emoji-picker').getByLabel('Search emoji by name').press('Enter');
    await visible(row(bob, 'Bob: to quote').getByTestId('change-pending'));
    // Nothing of Alice's changes reached him yet.
    await visible(row(bob, 'Alice: to edit'));

    await bob.context.setOffline(false);
    await hidden(bob.page.getByText('Connection lost. Reconnecting…'), 60_000);

    // Bob catches up on everything Alice did...
    await visible(row(bob, 'Alice: edited while Bob was away').getByTestId('message-edited'));
    await hidden(row(bob, 'Alice: to delete'));
    await visible(bob.page.getByTestId('message-deleted'));
    await visible(
      row(bob, 'Alice: the reply').getByTestId('reply-quote').getByText('Bob: to quote'),
    );
    await visible(row(bob, mention).getByTestId('mention'));
    expect(await row(bob, mention).getAttribute('data-mentions-me')).toBe('true');
    // ...and his own changes were applied, once each.
    await hidden(bobFixed.getByTestId('change-pending'));
    await visible(row(alice, 'Bob: typo fixed offline').getByTestId('message-edited'));
    const chips = row(alice, 'Bob: to quote').getByTestId('reaction');
    await visible(chips.filter({ hasText: '👀1' }));
    await visible(chips.filter({ hasText: '🎉1' }));
    await visible(row(bob, 'Bob: to quote').getByTestId('reaction').filter({ hasText: '🎉1' }));
    await hidden(row(bob, 'Bob: to quote').getByTestId('change-pending'));
    expect(await chips.count()).toBe(2);

    await expectCleanPages([alice, bob]);
  });
});

describe('menus, pickers and formatting', () => {
  it('the @ picker inserts a member, reaction chips say who, formatting renders, the menu copies', async () => {
    const { alice, bob, bobAccount } = await signedInPair('Alice Picker', 'Bob Picker');
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: server.url,
    });
    await alice.openConversation('Bob Picker');
    await bob.openConversation('Alice Picker');

    // @ opens the member picker; typing filters; Enter inserts "@username ".
    await alice.composer().pressSequentially('hey @');
    const picker = alice.page.getByTestId('mention-picker');
    await visible(picker.getByRole('option', { name: /Bob Picker/ }));
    await alice.composer().pressSequentially(bobAccount.user.username.slice(0, 3));
    await alice.composer().press('Enter');
    await hidden(picker);
    expect(await alice.composer().inputValue()).toBe(`hey @${bobAccount.user.username} `);
    await alice.composer().pressSequentially('**bold** and `code`');
    await alice.composer().press('Enter');
    const sent = bob.messages().filter({ hasText: 'bold and code' });
    await visible(sent.locator('strong').getByText('bold'));
    await visible(sent.locator('code').getByText('code'));
    await visible(sent.getByTestId('mention'));
    // Escape closes the picker without inserting anything.
    await alice.composer().pressSequentially('@');
    await visible(picker);
    await alice.composer().press('Escape');
    await hidden(picker);
    await alice.composer().fill('');

    // A reaction chip lists who reacted when focused.
    await sent.getByRole('button', { name: 'React', exact: true }).click();
    await bob.page
      .getByTestId('emoji-picker')
      .getByRole('button', { name: 'thumbs up', exact: true })
      .first()
      .click();
    const chip = alice.messages().filter({ hasText: 'bold and code' }).getByTestId('reaction');
    await visible(chip.filter({ hasText: '👍1' }));
    await chip.focus();
    await visible(
      alice.messages().filter({ hasText: 'bold and code' }).getByTestId('reaction-who'),
    );
    expect(
      await alice
        .messages()
        .filter({ hasText: 'bold and code' })
        .getByTestId('reaction-who')
        .textContent(),
    ).toBe('Bob Picker');

    // Right-click, Copy text: the clipboard holds the message as written.
    await alice.messages().filter({ hasText: 'bold and code' }).click({ button: 'right' });
    await alice.page.getByRole('menuitem', { name: 'Copy text' }).click();
    await alice.page.waitForFunction(
      async (expected) => (await navigator.clipboard.readText()) === expected,
      `hey @${bobAccount.user.username} **bold** and \`code\``,
    );
    // The keyboard opens the same menu; Escape closes it.
    await alice
      .messages()
      .filter({ hasText: 'bold and code' })
      .getByRole('button', { name: 'More actions' })
      .focus();
    await alice.page.keyboard.press('Shift+F10');
    await visible(alice.page.getByRole('menu', { name: 'Message actions' }));
    await alice.page.keyboard.press('Escape');
    await hidden(alice.page.getByRole('menu', { name: 'Message actions' }));

    await expectCleanPages([alice, bob]);
  });

  it('what is typed right after the @ picker inserts stays where it was typed, however late the next frame comes', async () => {
    const aliceAccount = await registerUser(server, { displayName: 'Alice Caret' });
    const bobAccount = await registerUser(server, { displayName: 'Bob Caret' });
    await openDirect(server, aliceAccount.accessToken, bobAccount.user.id);
    const alice = await ChatUser.signedIn(browser, server, aliceAccount);
    users.push(alice);
    await alice.openConversation('Bob Caret');
    const composer = alice.composer();
    const picker = alice.page.getByTestId('mention-picker');
    const username = bobAccount.user.username;

    // The mention goes between two words: the caret must land after it, not at the end.
    await composer.fill('see  later');
    await composer.press('Home');
    for (let i = 0; i < 'see '.length; i++) await composer.press('ArrowRight');
    await composer.pressSequentially(`@${username.slice(0, 3)}`);
    await visible(picker.getByRole('option', { name: /Bob Caret/ }));

    // A starved renderer: no animation frame runs until the test lets them, so anything
    // the picker left for the next frame happens between two keys.
    await holdAnimationFrames(alice);
    await composer.press('Enter');
    await hidden(picker);
    await composer.pressSequentially('you');
    await releaseAnimationFrames(alice);
    await composer.pressSequentially(' all ');
    expect(await composer.inputValue()).toBe(`see @${username} you all later`);

    await expectCleanPages([alice]);
  });
});

declare global {
  interface Window {
    __heldFrames?: { release(): Promise<void> };
  }
}

/** Until releaseAnimationFrames, requestAnimationFrame callbacks wait in a queue. */
async function holdAnimationFrames(user: ChatUser): Promise<void> {
  await user.page.evaluate(() => {
    const original = window.requestAnimationFrame.bind(window);
    const held: FrameRequestCallback[] = [];
    window.requestAnimationFrame = (callback) => {
      held.push(callback);
      return 0;
    };
    window.__heldFrames = {
      release: () =>
        new Promise<void>((resolve) => {
          window.requestAnimationFrame = original;
          for (const callback of held.splice(0)) original(callback);
          // Queued after the held ones: they have all run by the time this does.
          original(() => resolve());
        }),
    };
  });
}

/** Runs the held callbacks in the next frame and resolves once they have run. */
async function releaseAnimationFrames(user: ChatUser): Promise<void> {
  await user.page.evaluate(() => window.__heldFrames?.release());
}

describe('jumping to a quote', () => {
  it('a reply to a message 200 back jumps to it with `around` and highlights it', async () => {
    const aliceAccount = await registerUser(server, { displayName: 'Alice Jump' });
    const bobAccount = await registerUser(server, { displayName: 'Bob Jump' });
    const conversation = await openDirect(server, aliceAccount.accessToken, bobAccount.user.id);
    const first = await postMessage(
      server,
      bobAccount.accessToken,
      conversation.id,
      'The original plan',
    );
    await seedMessages(server, conversation.id, 200, (n) => ({
      sender: n % 2 === 0 ? aliceAccount : bobAccount,
      body: `Filler ${n}`,
    }));
    const reply = await server.http.post(`/api/conversations/${conversation.id}/messages`, {
      token: aliceAccount.accessToken,
      body: { clientId: 'reply-200-back', body: 'About that plan', replyToSeq: first.seq },
    });
    expect(reply.status).toBe(201);
    const alice = await ChatUser.signedIn(browser, server, aliceAccount);
    users.push(alice);
    await alice.openConversation('Bob Jump');
    const quote = row(alice, 'About that plan').getByTestId('reply-quote');
    await visible(quote.getByText('The original plan'));
    await hidden(row(alice, 'The original plan'));
    const requests: URL[] = [];
    alice.page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'GET' && url.pathname.endsWith('/messages')) requests.push(url);
    });
    await quote.click();
    const original = row(alice, 'The original plan');
    await visible(original);
    expect(await original.getAttribute('data-highlighted')).toBe('true');
    // One window around it, not the pages in between.
    expect(requests.map((url) => url.searchParams.get('around'))).toContain(String(first.seq));
    expect(requests.filter((url) => url.searchParams.has('before'))).toEqual([]);
    await expectCleanPages([alice]);
  });
});
