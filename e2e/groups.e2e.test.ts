/**
 * Groups as three people use them (issue #17): one creates a group, adds a third person who
 * sees it appear live, renames it (the others see the new name and a centred line in the
 * history), removes the third person (whose window drops it at once), and the second one
 * leaves. The notification level set in one window shows in the same person's other window.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe';
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

/** The details panel of the open conversation, opened from its header. */
async function openDetails(user: ChatUser, title: string) {
  await user.pane(title).getByRole('button', { name: 'Conversation details' }).click();
  const dialog = user.page.getByRole('dialog', { name: 'Group details' });
  await visible(dialog);
  return dialog;
}

/** A centred line of the history whose text matches. */
function systemLine(user: ChatUser, text: RegExp) {
  return user.page.getByTestId('system-message').filter({ hasText: text });
}

describe('groups', () => {
  it('create, add someone who sees it live, rename, remove, leave; the level follows the person', async () => {
    const alice = await person('Alice Groups');
    const bob = await person('Bob Groups');
    const cara = await person('Cara Groups');
    await Promise.all([alice.register(), bob.register(), cara.register()]);

    await alice.createGroup('Planning', [bob.account]);
    await alice.send('Welcome!');
    await visible(bob.conversationRow('Planning'));

    // Alice adds Cara from the details panel; Cara's list shows the group without a reload.
    const details = await openDetails(alice, 'Planning');
    await details.getByLabel('Add people').fill(cara.account.username);
    await details
      .getByRole('list', { name: 'People to add' })
      .getByRole('button')
      .filter({ hasText: `@${cara.account.username}` })
      .click();
    const members = details.getByRole('list', { name: 'Members' });
    await visible(members.getByTestId('member').filter({ hasText: cara.account.displayName }));
    // The panel as an admin sees it, with its member buttons and search results, passes axe.
    expect(await axeViolations(alice.page), 'group details').toEqual([]);
    await visible(cara.conversationRow('Planning'));
    await visible(systemLine(alice, /You added .*Cara Groups/));

    // Alice renames it inline; Bob's list and history follow.
    await details.getByRole('button', { name: 'Rename' }).click();
    await details.getByLabel('Group name').fill('Trip plans');
    await details.getByRole('button', { name: 'Save' }).click();
    await visible(details.getByTestId('details-title').getByText('Trip plans'));
    await visible(bob.conversationRow('Trip plans'));
    await bob.openConversation('Trip plans');
    await visible(systemLine(bob, /renamed the group to .*Trip plans/));
    // Bob is no admin: the panel offers him no rename and no member buttons, and says why.
    const bobDetails = await openDetails(bob, 'Trip plans');
    await visible(bobDetails.getByText('Only admins can rename'));
    expect(await axeViolations(bob.page), 'group details, not an admin').toEqual([]);
    expect(
      await bobDetails.getByRole('button', { name: /^Remove .* from the group$/ }).count(),
    ).toBe(0);
    await bobDetails.getByRole('button', { name: 'Close' }).click();
    await hidden(bobDetails);

    // Cara has it open when Alice removes her: her window drops it at once and says so.
    await cara.openConversation('Trip plans');
    await details
      .getByRole('button', { name: `Remove ${cara.account.displayName} from the group` })
      .click();
    await hidden(members.getByTestId('member').filter({ hasText: cara.account.displayName }));
    await hidden(cara.pane('Trip plans'));
    await hidden(cara.conversationRow('Trip plans'));
    await visible(cara.page.getByText('You are no longer a member of “Trip plans”.'));
    await visible(systemLine(bob, /removed .*Cara Groups/));

    // The level chosen in one window shows in Alice's other window (another device).
    const aliceElsewhere = await ChatUser.open(browser, server, alice.account);
    users.push(aliceElsewhere);
    await aliceElsewhere.signIn();
    await aliceElsewhere.openConversation('Trip plans');
    expect(await aliceElsewhere.muteButton('Trip plans').getAttribute('aria-pressed')).toBe(
      'false',
    );
    await details.getByRole('radio', { name: 'Nothing' }).check();
    await visible(
      aliceElsewhere
        .pane('Trip plans')
        .getByRole('button', { name: 'Mute conversation', pressed: true }),
    );
    await visible(aliceElsewhere.conversationRow('Trip plans').getByTitle('Muted'));
    await details.getByRole('button', { name: 'Close' }).click();

    // Bob leaves, after saying yes; the group goes from his window, Alice sees him go.
    const leaving = await openDetails(bob, 'Trip plans');
    // Asked first: "Cancel" keeps him in, with the keyboard back on "Leave group".
    await leaving.getByRole('button', { name: 'Leave group' }).click();
    expect(await bob.isFocused(leaving.getByRole('button', { name: 'Leave', exact: true }))).toBe(
      true,
    );
    await leaving.getByRole('button', { name: 'Cancel' }).click();
    await expect
      .poll(() => bob.isFocused(leaving.getByRole('button', { name: 'Leave group' })))
      .toBe(true);
    await bob.page.keyboard.press('Enter');
    await leaving.getByRole('button', { name: 'Leave', exact: true }).click();
    await hidden(bob.conversationRow('Trip plans'));
    await hidden(bob.pane('Trip plans'));
    await visible(systemLine(alice, /Bob Groups.* left/));

    for (const user of users) expect(user.pageErrors).toEqual([]);
  });
});
