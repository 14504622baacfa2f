/**
 * The main screens checked by axe-core against WCAG 2.2 A and AA (contrast among them)
 * and axe's best practices, in the light and the dark theme, with the content people
 * see: unread counts, group previews, own and others' bubbles, ticks, dialogs, the menu.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGroup,
  openDirect,
  postMessage,
  registerUser,
  type RegisteredUser,
} from '../api/test/helpers';
import { axeViolations } from './support/axe';
import { launchChromium } from './support/browser';
import { ChatUser, hidden, newAccount, visible } from './support/chat-app';
import { ChatServer } from './support/server';
import { REPO_ROOT } from './support/web-build';

/** The avatar colours as the renderer declares them (the renderer is not this project's). */
function avatarColours(): string[] {
  const source = readFileSync(join(REPO_ROOT, 'desktop/src/renderer/ui/names.ts'), 'utf8');
  const list = /const AVATAR_COLOURS = \[([^\]]*)\]/u.exec(source)?.[1] ?? '';
  return [...list.matchAll(/'(bg-[a-z]+-\d+)'/gu)].map((m) => m[1] ?? '');
}

let server: ChatServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([ChatServer.start(), launchChromium()]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

type Scheme = 'light' | 'dark';

async function expectAccessible(page: Page, screen: string): Promise<void> {
  expect(await axeViolations(page), screen).toEqual([]);
}

/** A CSS colour as [r, g, b], whatever notation the browser computed (Tailwind's are oklch). */
async function colours(locator: Locator): Promise<{ fg: number[]; bg: number[] }> {
  return locator.evaluate((element) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('no canvas');
    const rgb = (colour: string) => {
      context.clearRect(0, 0, 1, 1);
      context.fillStyle = colour;
      context.fillRect(0, 0, 1, 1);
      return [...context.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    };
    const style = getComputedStyle(element);
    // A transparent background would read as black and pass any contrast check.
    if (/^rgba\(.*,\s*0\)$|^transparent$/u.test(style.backgroundColor)) {
      throw new Error(`no background of its own: ${style.backgroundColor}`);
    }
    return { fg: rgb(style.color), bg: rgb(style.backgroundColor) };
  });
}

/** WCAG's contrast ratio of two sRGB colours. */
function contrast(a: number[], b: number[]): number {
  const luminance = (rgb: number[]) => {
    const [r = 0, g = 0, bl = 0] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

/** Alice, with a direct conversation, an unread group and people of every avatar colour. */
async function seed(): Promise<{
  alice: RegisteredUser;
  bob: RegisteredUser;
  chloe: RegisteredUser;
}> {
  const [alice, bob, chloe] = await Promise.all([
    registerUser(server, { displayName: 'Alice Axe' }),
    registerUser(server, { displayName: 'Bob Axe' }),
    registerUser(server, { displayName: 'Chloé Axe' }),
  ]);
  const withBob = await openDirect(server, alice.accessToken, bob.user.id);
  await postMessage(
    server,
    alice.accessToken,
    withBob.id,
    'Hi Bob! The plan: https://example.com/plans',
  );
  await postMessage(server, bob.accessToken, withBob.id, 'Looks great 👍');
  await postMessage(server, bob.accessToken, withBob.id, 'See you at 8');
  const trip = await createGroup(
    server,
    chloe.accessToken,
    [alice.user.id, bob.user.id],
    'Weekend trip',
  );
  await postMessage(server, chloe.accessToken, trip.id, 'Train leaves at 9:40');
  await postMessage(server, bob.accessToken, trip.id, 'Count me in');
  // Twelve more people: with random ids, most of the avatar colours show up.
  for (let i = 0; i < 12; i++) {
    const other = await registerUser(server, {
      displayName: `Person ${String.fromCharCode(65 + i)}`,
    });
    const c = await openDirect(server, other.accessToken, alice.user.id);
    await postMessage(server, other.accessToken, c.id, `hello ${i}`);
  }
  return { alice, bob, chloe };
}

describe('accessibility of the main screens', () => {
  for (const scheme of ['light', 'dark'] as const satisfies readonly Scheme[]) {
    it(`passes axe in the ${scheme} theme: sign-in, list, conversations, dialogs, menu`, async () => {
      const { alice, bob, chloe } = await seed();
      const user = await ChatUser.open(
        browser,
        server,
        {
          username: alice.user.username,
          displayName: alice.user.displayName,
          password: alice.password,
        },
        { colorScheme: scheme },
      );
      const { page } = user;
      try {
        await visible(page.getByRole('heading', { name: 'Sign in to Chat' }));
        await expectAccessible(page, `${scheme}: sign-in`);

        await user.signIn();
        await visible(user.conversationRow('Weekend trip').getByLabel('2 unread'));
        await visible(user.conversationRow('Person L'));
        await expectAccessible(page, `${scheme}: conversation list`);

        await user.openConversation('Bob Axe');
        await visible(user.message('See you at 8'));
        await expectAccessible(page, `${scheme}: a direct conversation`);

        await user.openConversation('Weekend trip');
        await visible(user.message('Count me in'));
        await visible(page.getByRole('separator', { name: 'New messages' }));
        await expectAccessible(page, `${scheme}: a group conversation`);

        await page.getByRole('button', { name: 'New chat' }).click();
        const newChat = page.getByRole('dialog', { name: 'New chat' });
        await newChat.getByLabel('Find people').fill(chloe.user.username);
        await visible(newChat.getByRole('button').filter({ hasText: `@${chloe.user.username}` }));
        await expectAccessible(page, `${scheme}: the New chat dialog`);
        await newChat.getByRole('button', { name: 'Close' }).click();
        await hidden(newChat);

        await user.openMenu();
        await expectAccessible(page, `${scheme}: the menu`);
        await user.menuItem('New group').click();
        const newGroup = page.getByRole('dialog', { name: 'New group' });
        await newGroup.getByLabel('Group name').fill('Book club');
        await newGroup.getByLabel('Add people').fill(bob.user.username);
        await newGroup
          .getByRole('button')
          .filter({ hasText: `@${bob.user.username}` })
          .click();
        await visible(newGroup.getByRole('button', { name: 'Remove Bob Axe' }));
        await expectAccessible(page, `${scheme}: the New group dialog`);
        await newGroup.getByRole('button', { name: 'Close' }).click();
        await hidden(newGroup);

        await user.openMenu();
        await user.menuItem('Notification settings…').click();
        const settings = page.getByRole('dialog', { name: 'Notifications' });
        await visible(settings);
        await expectAccessible(page, `${scheme}: the notification settings`);
        await settings.getByRole('button', { name: 'Close' }).click();
        await hidden(settings);

        expect(user.pageErrors).toEqual([]);
        expect(await user.cspViolations()).toEqual([]);
      } finally {
        await user.close();
      }
    });
  }

  it('gives every avatar colour white initials at 4.5:1 or more', async () => {
    // Colours follow ids, so a screen shows only some of them: each is measured here.
    const user = await ChatUser.open(browser, server, newAccount('Ava Colour'));
    try {
      const all = avatarColours();
      expect(all).toHaveLength(12);
      for (const colour of all) {
        const probe = user.page.locator(`[data-probe="${colour}"]`);
        await user.page.evaluate((className) => {
          const span = document.createElement('span');
          span.className = `${className} text-white`;
          span.dataset.probe = className;
          span.textContent = 'AB';
          document.body.append(span);
        }, colour);
        const { fg, bg } = await colours(probe);
        expect(contrast(fg, bg), colour).toBeGreaterThanOrEqual(4.5);
      }
    } finally {
      await user.close();
    }
  });

  it('shows a disabled Send as disabled in the dark theme, and an enabled one clearly', async () => {
    const { alice } = await seed();
    const user = await ChatUser.signedIn(browser, server, alice, { colorScheme: 'dark' });
    try {
      await user.openConversation('Bob Axe');
      const send = user.pane('Bob Axe').getByRole('button', { name: 'Send' });
      expect(await send.isDisabled()).toBe(true);
      const off = await colours(send);
      // Its arrow recedes into the button (WCAG exempts inactive controls from contrast).
      expect(contrast(off.fg, off.bg)).toBeLessThan(3);

      await user.composer().fill('Hello');
      expect(await send.isEnabled()).toBe(true);
      const on = await colours(send);
      expect(contrast(on.fg, on.bg)).toBeGreaterThanOrEqual(4.5);
    } finally {
      await user.close();
    }
  });
});
