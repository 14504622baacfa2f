import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, postMessage, registerUser } from '@chat/api/testing';
import { axeViolations } from './support/axe';
import { launchChromium } from './support/browser';
import { ChatUser, visible } from './support/chat-app';
import { ChatServer } from './support/server';

let server: ChatServer;
let browser: Browser;
const users: ChatUser[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([ChatServer.start(), launchChromium()]);
});

afterAll(async () => {
  for (const user of users) await user.close().catch(() => undefined);
  await browser.close();
  await server.close();
});

/** Opens Settings from the sidebar's menu and shows the named section. */
async function openSettings(user: ChatUser, section: string) {
  await user.openMenu();
  await user.page
    .getByRole('menu', { name: 'More options' })
    .getByRole('menuitem', { name: 'Settings…', exact: true })
    .click();
  const dialog = user.page.getByRole('dialog', { name: 'Settings' });
  await visible(dialog);
  await dialog.getByRole('tab', { name: section }).click();
  return dialog;
}

async function pair(a: string, b: string) {
  const ann = await registerUser(server, { displayName: a });
  const ben = await registerUser(server, { displayName: b });
  const direct = await openDirect(server, ann.accessToken, ben.user.id);
  await postMessage(server, ann.accessToken, direct.id, `hello from ${a}`);
  return { ann, ben, direct };
}

describe('account settings', () => {
  it('a changed name shows in the other person’s window at once; the tabs work from the keyboard', async () => {
    const { ann, ben } = await pair('Ann Before', 'Ben Watcher');
    const annWindow = await ChatUser.signedIn(browser, server, ann);
    const benWindow = await ChatUser.signedIn(browser, server, ben);
    users.push(annWindow, benWindow);
    await visible(benWindow.conversationRow('Ann Before'));

    const dialog = await openSettings(annWindow, 'Profile');
    // Keyboard: arrows move between sections, and back.
    await dialog.getByRole('tab', { name: 'Profile' }).focus();
    await annWindow.page.keyboard.press('ArrowRight');
    await visible(dialog.getByRole('tab', { name: 'Password', selected: true }));
    expect(await annWindow.isFocused(dialog.getByRole('tab', { name: 'Password' }))).toBe(true);
    await annWindow.page.keyboard.press('ArrowLeft');
    await visible(dialog.getByRole('tab', { name: 'Profile', selected: true }));

    // Every section passes axe.
    for (const section of [
      'Profile',
      'Password',
      'Sessions',
      'Blocked people',
      'Notifications',
      'Delete account',
    ]) {
      await dialog.getByRole('tab', { name: section }).click();
      await visible(dialog.getByRole('tab', { name: section, selected: true }));
      expect(await axeViolations(annWindow.page), section).toEqual([]);
    }
    // The desktop app's App section (start at login, updates) is not in the web client,
    // whose bridge has no app status: by now its answer has long been applied.
    expect(await dialog.getByRole('tab').allTextContents()).toEqual([
      'Profile',
      'Password',
      'Sessions',
      'Blocked people',
      'Notifications',
      'Delete account',
    ]);
    expect(await annWindow.page.getByRole('region', { name: 'Update' }).count()).toBe(0);
    await dialog.getByRole('tab', { name: 'Profile' }).click();
    await dialog.getByLabel('Display name').fill('Ann After');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await visible(dialog.getByRole('status').filter({ hasText: 'Saved.' }));
    await visible(benWindow.conversationRow('Ann After'));
    // Her own sidebar follows too.
    await visible(
      annWindow.page.getByRole('complementary').getByText('Ann After', { exact: true }),
    );
    expect(annWindow.pageErrors).toEqual([]);
    expect(benWindow.pageErrors).toEqual([]);
  });

  it('signing out another session from the list signs that window out', async () => {
    const ann = await registerUser(server, { displayName: 'Ann Sessions' });
    // Only the two windows' sessions: the one registration started ends here.
    await server.http.post('/api/auth/logout', { token: ann.accessToken });
    const laptop = await ChatUser.signedIn(browser, server, ann);
    const phone = await ChatUser.signedIn(browser, server, ann);
    users.push(laptop, phone);

    const dialog = await openSettings(laptop, 'Sessions');
    const list = dialog.getByRole('list', { name: 'Sessions' });
    await visible(list.getByText('This device', { exact: true }));
    await visible(list.getByRole('button', { name: /^Sign out/ }));
    expect(await list.getByRole('listitem').count()).toBe(2);
    await list.getByRole('button', { name: /^Sign out/ }).click();

    await phone.waitForSignIn();
    await visible(list.getByText('This device', { exact: true }));
    expect(await list.getByRole('listitem').count()).toBe(1);
    // The laptop is still signed in and working.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await laptop.waitForShell();
  });

  it('a blocked person’s message shows a visible refusal, not a message stuck sending', async () => {
    const { ann, ben } = await pair('Ann Blocker', 'Ben Blocked');
    const annWindow = await ChatUser.signedIn(browser, server, ann);
    const benWindow = await ChatUser.signedIn(browser, server, ben);
    users.push(annWindow, benWindow);

    await annWindow.openConversation('Ben Blocked');
    const pane = annWindow.pane('Ben Blocked');
    await pane.getByRole('button', { name: 'Conversation options' }).click();
    await annWindow.page.getByRole('menuitem', { name: 'Block Ben Blocked' }).click();
    await visible(pane.getByRole('status').filter({ hasText: 'Blocked' }));

    await benWindow.openConversation('Ann Blocker');
    await benWindow.send('can you hear me');
    await visible(benWindow.tick('can you hear me', 'Not sent'));
    await visible(
      benWindow
        .message('can you hear me')
        .getByRole('alert')
        .filter({ hasText: 'does not accept messages from you' }),
    );

    // Settings lists the blocked person, with Unblock.
    const dialog = await openSettings(annWindow, 'Blocked people');
    const blocked = dialog.getByRole('list', { name: 'Blocked people' });
    await visible(blocked.getByText('Ben Blocked'));
    await dialog.getByRole('button', { name: 'Unblock Ben Blocked' }).click();
    await visible(dialog.getByText('You have not blocked anyone.'));
    expect(annWindow.pageErrors).toEqual([]);
    expect(benWindow.pageErrors).toEqual([]);
  });
});
