/**
 * Defects found by using the web client as a new person would (issue #13): each test
 * shows one of them from the outside, through what the person sees and presses.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGroup,
  openDirect,
  postMessage,
  registerUser,
  type RegisteredUser,
} from '../api/test/helpers';
import { launchChromium } from './support/browser';
import { ChatUser, UI_TIMEOUT_MS, hidden, newAccount, visible } from './support/chat-app';
import { ChatServer } from './support/server';

let server: ChatServer;
let browser: Browser;
const users: ChatUser[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([ChatServer.start(), launchChromium()]);
});

afterAll(async () => {
  for (const user of users) await user.close();
  await browser.close();
  await server.close();
});

async function signedIn(registered: RegisteredUser): Promise<ChatUser> {
  const user = await ChatUser.signedIn(browser, server, registered);
  users.push(user);
  return user;
}

function person(displayName: string): Promise<RegisteredUser> {
  return registerUser(server, { displayName });
}

describe('long unbroken text', () => {
  it('wraps inside the bubble on both sides, words and URLs alike', async () => {
    const [alice, bob] = await Promise.all([person('Alice Wrap'), person('Bob Wrap')]);
    const conversation = await openDirect(server, alice.accessToken, bob.user.id);
    const word = 'a'.repeat(300);
    const url = `https://example.com/${'path-segment-'.repeat(25)}end`;
    await postMessage(server, alice.accessToken, conversation.id, word);
    await postMessage(server, alice.accessToken, conversation.id, url);
    const [aliceView, bobView] = await Promise.all([signedIn(alice), signedIn(bob)]);
    await aliceView.openConversation('Bob Wrap');
    await bobView.openConversation('Alice Wrap');

    for (const [user, title] of [
      [aliceView, 'Bob Wrap'],
      [bobView, 'Alice Wrap'],
    ] as const) {
      for (const text of [word, url]) {
        const body = user.message(text).getByTestId('message-body');
        await visible(body);
        // Every character lies inside the bubble, and the bubble inside the log.
        const overflow = await body.evaluate((element) => {
          const bubble = element.parentElement;
          const log = element.closest('[role="log"]');
          if (bubble === null || log === null) return 'not laid out';
          const inner = element.getBoundingClientRect();
          const box = bubble.getBoundingClientRect();
          const outer = log.getBoundingClientRect();
          return {
            outOfBubble: inner.right > box.right + 0.5 || bubble.scrollWidth > bubble.clientWidth,
            outOfLog: box.right > outer.right + 0.5 || box.left < outer.left - 0.5,
          };
        });
        expect(overflow, `${user.account.displayName}: ${text.slice(0, 20)}`).toEqual({
          outOfBubble: false,
          outOfLog: false,
        });
      }
      expect(await user.messageLog(title).count()).toBe(1);
    }
  });
});

describe('dialogs', () => {
  it('put the keyboard in their first field, so typing goes there', async () => {
    const user = await signedIn(await person('Dana Dialog'));
    const { page } = user;

    await page.getByRole('button', { name: 'New chat' }).click();
    const newChat = page.getByRole('dialog', { name: 'New chat' });
    await visible(newChat);
    expect(await user.isFocused(newChat.getByLabel('Find people'))).toBe(true);
    await page.keyboard.type('someone');
    expect(await newChat.getByLabel('Find people').inputValue()).toBe('someone');
    await newChat.getByRole('button', { name: 'Close' }).click();
    await hidden(newChat);

    await user.openMenu();
    await user.menuItem('New group').click();
    const newGroup = page.getByRole('dialog', { name: 'New group' });
    await visible(newGroup);
    expect(await user.isFocused(newGroup.getByLabel('Group name'))).toBe(true);
    await page.keyboard.type('Book club');
    expect(await newGroup.getByLabel('Group name').inputValue()).toBe('Book club');
  });
});

describe('the conversation list from the keyboard', () => {
  it('moves focus with the arrows without opening anything; Enter opens', async () => {
    const [me, a, b, c] = await Promise.all([
      person('Kim Keys'),
      person('Ann Arrow'),
      person('Ben Arrow'),
      person('Cy Arrow'),
    ]);
    // Oldest first, so the list shows Cy, Ben, Ann from the top.
    for (const other of [a, b, c]) {
      const conversation = await openDirect(server, other.accessToken, me.user.id);
      await postMessage(
        server,
        other.accessToken,
        conversation.id,
        `hello from ${other.user.displayName}`,
      );
    }
    const user = await signedIn(me);
    const { page } = user;
    const cy = user.conversationRow('Cy Arrow');
    const ben = user.conversationRow('Ben Arrow');
    const ann = user.conversationRow('Ann Arrow');
    const rows = [cy, ben, ann];
    for (const row of rows) await visible(row.getByLabel('1 unread'));

    await page.getByRole('searchbox', { name: 'Search conversations' }).focus();
    await page.keyboard.press('ArrowDown');
    expect(await user.isFocused(cy)).toBe(true);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await user.isFocused(ann)).toBe(true);
    await page.keyboard.press('ArrowUp');
    expect(await user.isFocused(ben)).toBe(true);
    await page.keyboard.press('Home');
    expect(await user.isFocused(cy)).toBe(true);
    await page.keyboard.press('End');
    expect(await user.isFocused(ann)).toBe(true);

    // Passing over them opened nothing and read nothing.
    expect(await page.getByRole('region').count()).toBe(0);
    for (const row of rows) {
      expect(await row.getByLabel('1 unread').count()).toBe(1);
      expect(await row.getAttribute('aria-selected')).toBe('false');
    }

    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await visible(user.pane('Ben Arrow'));
    expect(await ben.getAttribute('aria-selected')).toBe('true');
    await hidden(ben.getByLabel('1 unread'));
    expect(await cy.getByLabel('1 unread').count()).toBe(1);
    expect(await ann.getByLabel('1 unread').count()).toBe(1);

    // Tab leaves the list and comes back to the open conversation's row, its one stop.
    await ben.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(await user.isFocused(ben)).toBe(true);
  });
});

describe('an address per conversation', () => {
  it('restores the open conversation and its draft after a reload; Back and Forward move between conversations', async () => {
    const [me, a, b] = await Promise.all([
      person('Lee Link'),
      person('Ann Link'),
      person('Ben Link'),
    ]);
    const withA = await openDirect(server, me.accessToken, a.user.id);
    const withB = await openDirect(server, me.accessToken, b.user.id);
    const user = await signedIn(me);
    const { page } = user;
    const path = () => new URL(page.url()).pathname;

    await user.openConversation('Ann Link');
    expect(path()).toBe(`/c/${withA.id}`);
    await user.composer().fill('a draft for Ann');
    await user.openConversation('Ben Link');
    expect(path()).toBe(`/c/${withB.id}`);
    await user.composer().fill('half a thought for Ben');

    await user.reload();
    await visible(user.pane('Ben Link'));
    expect(path()).toBe(`/c/${withB.id}`);
    expect(await user.composer().inputValue()).toBe('half a thought for Ben');

    await page.goBack();
    await visible(user.pane('Ann Link'));
    expect(path()).toBe(`/c/${withA.id}`);
    expect(await user.composer().inputValue()).toBe('a draft for Ann');
    await page.goForward();
    await visible(user.pane('Ben Link'));

    // An address that names no conversation of theirs lands on the list.
    await page.goto(`${server.url}/c/no-such-conversation`);
    await visible(user.conversationRow('Ann Link'));
    expect(await page.getByRole('region').count()).toBe(0);
    await expect.poll(path, { timeout: UI_TIMEOUT_MS }).toBe('/');

    // What was sent is no longer a draft.
    await user.openConversation('Ann Link');
    await user.composer().press('Enter');
    await visible(user.message('a draft for Ann'));
    await user.reload();
    await visible(user.pane('Ann Link'));
    expect(await user.composer().inputValue()).toBe('');
  });
});

describe('the tab title', () => {
  it('shows how many messages are unread, and drops the count once they are read', async () => {
    const [me, a] = await Promise.all([person('Tia Title'), person('Ann Title')]);
    const conversation = await openDirect(server, a.accessToken, me.user.id);
    for (const body of ['one', 'two', 'three']) {
      await postMessage(server, a.accessToken, conversation.id, body);
    }
    const user = await signedIn(me);
    await expect.poll(() => user.page.title(), { timeout: UI_TIMEOUT_MS }).toBe('(3) Chat');
    await user.openConversation('Ann Title');
    await expect.poll(() => user.page.title(), { timeout: UI_TIMEOUT_MS }).toBe('Chat');
  });
});

describe('signing in on the web', () => {
  it('offers no Server field: the server is the page’s own', async () => {
    const user = await ChatUser.open(browser, server, newAccount('Sam Server'));
    users.push(user);
    await visible(user.page.getByLabel('Username'));
    expect(await user.page.getByLabel('Server').count()).toBe(0);
    await user.register();
  });
});

describe('group previews', () => {
  it('say who wrote the last message', async () => {
    const [me, bob] = await Promise.all([person('Gus Preview'), person('Bob Preview')]);
    const group = await createGroup(server, bob.accessToken, [me.user.id], 'Dinner');
    const user = await signedIn(me);
    await visible(user.conversationRow('Dinner'));
    await postMessage(server, bob.accessToken, group.id, 'see you at 8');
    await visible(user.conversationRow('Dinner').getByText('Bob Preview: see you at 8'));
    await user.openConversation('Dinner');
    await user.send('on my way');
    await visible(user.conversationRow('Dinner').getByText('You: on my way'));
  });
});

describe('an empty direct conversation', () => {
  it('reaches the other person only with its first message', async () => {
    const [alice, bob] = await Promise.all([person('Alice Empty'), person('Bob Empty')]);
    const group = await createGroup(server, alice.accessToken, [bob.user.id], 'Both of us');
    const [aliceView, bobView] = await Promise.all([signedIn(alice), signedIn(bob)]);
    await visible(bobView.conversationRow('Both of us'));

    await aliceView.startDirect(bobView.account);
    await visible(aliceView.conversationRow('Bob Empty').getByText('No messages yet'));
    // Whatever Alice's opening told Bob's socket, it came before this message.
    await postMessage(server, bob.accessToken, group.id, 'ping');
    await visible(bobView.conversationRow('Both of us').getByText('You: ping'));
    expect(await bobView.conversationRow('Alice Empty').count()).toBe(0);

    await aliceView.send('Hi Bob');
    await visible(bobView.conversationRow('Alice Empty').getByText('Hi Bob'));
    await visible(bobView.conversationRow('Alice Empty').getByLabel('1 unread'));
  });
});
