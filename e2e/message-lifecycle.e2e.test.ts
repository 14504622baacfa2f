import type { Browser, Locator } from 'playwright-core';
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
  [server, browser] = await Promise.all([ChatServer.start(), launchChromium()]);
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
    await alice.page.getByRole('button', { name: 'React with 👍' }).click();
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
