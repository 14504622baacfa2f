/**
 * Mute and do-not-disturb as a person uses them: the conversation header's bell, the
 * sidebar menu's switch and the notification settings dialog. The web client keeps both
 * preferences in the browser profile, so each must survive a reload.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, postMessage, registerUser, type RegisteredUser } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, hidden, visible } from './support/chat-app';
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

/** Signs `account` in through the web client's own form. */
async function signedIn(account: RegisteredUser): Promise<ChatUser> {
  const user = await ChatUser.signedIn(browser, server, account);
  users.push(user);
  return user;
}

async function expectCleanPages(): Promise<void> {
  for (const user of users) {
    expect(user.pageErrors).toEqual([]);
    expect(user.dialogs).toEqual([]);
    expect(await user.cspViolations()).toEqual([]);
  }
}

describe('muting a conversation', () => {
  it('shows as pressed in the header and marked in the list, and survives a reload', async () => {
    const alice = await registerUser(server, { displayName: 'Alice Mute' });
    const bob = await registerUser(server, { displayName: 'Bob Mute' });
    const cara = await registerUser(server, { displayName: 'Cara Mute' });
    for (const other of [bob, cara]) {
      const conversation = await openDirect(server, other.accessToken, alice.user.id);
      await postMessage(
        server,
        other.accessToken,
        conversation.id,
        `Hi from ${other.user.displayName}`,
      );
    }
    const user = await signedIn(alice);
    const bobName = bob.user.displayName;
    const caraName = cara.user.displayName;
    const muted = (title: string) => user.conversationRow(title).getByTitle('Muted');

    await user.openConversation(bobName);
    expect(await user.muteButton(bobName).getAttribute('aria-pressed')).toBe('false');
    await hidden(muted(bobName));

    await user.muteButton(bobName).click();
    await visible(
      user.pane(bobName).getByRole('button', { name: 'Mute conversation', pressed: true }),
    );
    await visible(muted(bobName));
    // Only the conversation that was muted.
    await visible(user.conversationRow(caraName));
    await hidden(muted(caraName));

    await user.reload();
    await visible(muted(bobName));
    await hidden(muted(caraName));
    await user.openConversation(bobName);
    await visible(
      user.pane(bobName).getByRole('button', { name: 'Mute conversation', pressed: true }),
    );

    // Unmuting is kept just the same.
    await user.muteButton(bobName).click();
    await visible(
      user.pane(bobName).getByRole('button', { name: 'Mute conversation', pressed: false }),
    );
    await hidden(muted(bobName));
    await user.reload();
    await visible(user.conversationRow(bobName));
    await user.openConversation(bobName);
    await visible(
      user.pane(bobName).getByRole('button', { name: 'Mute conversation', pressed: false }),
    );
    await hidden(muted(bobName));

    await expectCleanPages();
  });
});

describe('do not disturb', () => {
  it('is switched in the sidebar, shows there, and survives a reload', async () => {
    const account = await registerUser(server, { displayName: 'Dana Quiet' });
    const user = await signedIn(account);
    const { page } = user;
    const sidebar = page.getByRole('complementary', { name: 'Conversations' });
    const status = sidebar.locator('header').getByText('Do not disturb', { exact: true });

    // Off: the header shows the username.
    await visible(sidebar.locator('header').getByText(`@${account.user.username}`));
    await hidden(status);

    // The menu is reached by keyboard: arrows move, Escape closes and returns focus.
    await user.menuButton().focus();
    await page.keyboard.press('Enter');
    await user.openMenu();
    expect(await user.menuItem('Profile…').evaluate((el) => el === document.activeElement)).toBe(
      true,
    );
    await page.keyboard.press('ArrowDown');
    expect(await user.menuItem('New group').evaluate((el) => el === document.activeElement)).toBe(
      true,
    );
    await page.keyboard.press('ArrowDown');
    expect(await user.doNotDisturbItem().evaluate((el) => el === document.activeElement)).toBe(
      true,
    );
    expect(await user.doNotDisturbItem().getAttribute('aria-checked')).toBe('false');

    // Space switches it on; the menu stays open to show the new state.
    await page.keyboard.press('Space');
    await visible(page.getByRole('menuitemcheckbox', { name: 'Do not disturb', checked: true }));
    await page.keyboard.press('Escape');
    await hidden(page.getByRole('menu'));
    expect(await user.menuButton().evaluate((el) => el === document.activeElement)).toBe(true);
    await visible(status);

    await user.reload();
    await visible(status);
    await user.openMenu();
    await visible(page.getByRole('menuitemcheckbox', { name: 'Do not disturb', checked: true }));

    // The settings dialog shows the same state and turns it off again.
    await user.menuItem('Notification settings…').click();
    const dialog = page.getByRole('dialog', { name: 'Notifications' });
    await visible(dialog);
    const dndSwitch = dialog.getByRole('switch', { name: 'Do not disturb' });
    expect(await dndSwitch.getAttribute('aria-checked')).toBe('true');
    await dndSwitch.click();
    await visible(dialog.getByRole('switch', { name: 'Do not disturb', checked: false }));
    await page.keyboard.press('Escape');
    await hidden(dialog);
    await hidden(status);
    await visible(sidebar.locator('header').getByText(`@${account.user.username}`));

    await user.reload();
    await visible(sidebar.locator('header').getByText(`@${account.user.username}`));
    await hidden(status);
    await user.openMenu();
    await visible(page.getByRole('menuitemcheckbox', { name: 'Do not disturb', checked: false }));

    await expectCleanPages();
  });
});

describe('message text in push notifications', () => {
  it('is switched off in the notification settings and kept on the server', async () => {
    const account = await registerUser(server, { displayName: 'Pia Private' });
    const user = await signedIn(account);
    const { page } = user;
    const stored = async () =>
      (await server.http.get('/api/push/preferences', { token: account.accessToken })).body;

    await user.openMenu();
    await user.menuItem('Notification settings…').click();
    const dialog = page.getByRole('dialog', { name: 'Notifications' });
    const textSwitch = dialog.getByRole('switch', {
      name: 'Show message text in push notifications',
    });
    await visible(dialog.getByRole('switch', { name: 'Show message text', checked: true }));
    expect(await stored()).toEqual({ showText: true });
    await textSwitch.click();
    await visible(dialog.getByRole('switch', { name: 'Show message text', checked: false }));
    await expect.poll(stored).toEqual({ showText: false });

    // Read back from the server when the dialog opens again.
    await user.reload();
    await user.openMenu();
    await user.menuItem('Notification settings…').click();
    await visible(dialog.getByRole('switch', { name: 'Show message text', checked: false }));
    await expectCleanPages();
  });
});
