/**
 * The main screens with realistic content, light and dark. Always checked; written to
 * docs/screenshots/ (for the README) only with UPDATE_SCREENSHOTS=1, so CI runs never
 * touch the tree.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSocket,
  createGroup,
  emitWithAck,
  openDirect,
  postMessage,
  registerUser,
  uploaded,
  type ChatClientSocket,
  type RegisteredUser,
} from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, hidden, visible } from './support/chat-app';
import { ChatServer } from './support/server';
import { REPO_ROOT } from './support/web-build';

const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const VIEWPORT = { width: 1200, height: 760 };

let server: ChatServer;
let browser: Browser;
const sockets: ChatClientSocket[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([
    ChatServer.start({ timings: { presenceOfflineGraceMs: 100 } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await browser.close();
  await server.close();
});

async function save(page: Page, name: string): Promise<void> {
  if (!UPDATE) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

async function online(account: RegisteredUser): Promise<ChatClientSocket> {
  const socket = await connectSocket(server.url, account.accessToken);
  sockets.push(socket);
  return socket;
}

/** The body's background as [r, g, b] (Tailwind's colours are oklch; a canvas converts). */
async function background(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const context = canvas.getContext('2d');
    if (context === null) return [];
    context.fillStyle = getComputedStyle(document.body).backgroundColor;
    context.fillRect(0, 0, 1, 1);
    return [...context.getImageData(0, 0, 1, 1).data.slice(0, 3)];
  });
}

const brightness = (rgb: number[]) => rgb.reduce((sum, c) => sum + c, 0) / 3;

/** A picture for the screenshots: a soft diagonal blend between two colours, with a sun. */
async function picture(width: number, height: number, from: string, to: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width * 0.7}" cy="${height * 0.35}" r="${Math.min(width, height) * 0.16}" fill="#fff6d5" opacity="0.9"/>
    <path d="M0 ${height * 0.8} Q ${width * 0.3} ${height * 0.6} ${width * 0.55} ${height * 0.78} T ${width} ${height * 0.7} V ${height} H 0 Z" fill="#2f4858" opacity="0.75"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

/** Sets an account's avatar through the API, as the profile dialog does. */
async function setAvatar(account: RegisteredUser, bytes: Buffer): Promise<void> {
  const face = await uploaded(server, account.accessToken, bytes, 'face.jpg');
  const response = await server.http.request('PATCH', '/api/users/me', {
    token: account.accessToken,
    body: { avatarId: face.id },
  });
  expect(response.status).toBe(200);
}

describe('the main screens', () => {
  it('render with real content in the light and the dark theme', async () => {
    const alice = await registerUser(server, { username: 'alice', displayName: 'Alice Moreau' });
    const bob = await registerUser(server, { username: 'bob', displayName: 'Bob Stone' });
    const chloe = await registerUser(server, { username: 'chloe', displayName: 'Chloé Martin' });
    const dan = await registerUser(server, { username: 'dan', displayName: 'Dan Okafor' });
    const send = (from: RegisteredUser, conversationId: string, body: string) =>
      postMessage(server, from.accessToken, conversationId, body);

    // Dan was here a moment ago; Bob and Chloé are online.
    const danSocket = await online(dan);
    danSocket.disconnect();
    const bobSocket = await online(bob);
    await online(chloe);

    const withDan = await openDirect(server, dan.accessToken, alice.user.id);
    await send(dan, withDan.id, 'Can you send me the address for Saturday?');
    const withChloe = await openDirect(server, alice.accessToken, chloe.user.id);
    await send(alice, withChloe.id, 'Thanks again for yesterday!');
    const thanks = await send(chloe, withChloe.id, 'Anytime 😊');
    await server.http.post(`/api/conversations/${withChloe.id}/read`, {
      token: alice.accessToken,
      body: { seq: thanks.seq },
    });
    const trip = await createGroup(
      server,
      chloe.accessToken,
      [alice.user.id, bob.user.id, dan.user.id],
      'Weekend trip',
    );
    await send(chloe, trip.id, 'Train leaves at 9:40 from platform 3 🚆');
    await send(dan, trip.id, 'I can take the car instead, 4 seats.');
    await send(bob, trip.id, 'Count me in for the car!');
    await send(chloe, trip.id, 'Perfect, then we need no tickets.');
    const withBob = await openDirect(server, alice.accessToken, bob.user.id);
    const hello = await send(alice, withBob.id, 'Hi Bob! Did you see the plan for Sunday?');
    // An edited message, a reply with formatting, and reactions (issue #16).
    const edit = await server.http.request(
      'PATCH',
      `/api/conversations/${withBob.id}/messages/${hello.seq}`,
      { token: alice.accessToken, body: { body: 'Hi Bob! Did you see the plan for Saturday?' } },
    );
    expect(edit.status).toBe(200);
    const link = await send(alice, withBob.id, 'It is here: https://example.com/plans/saturday');
    await emitWithAck(bobSocket, 'receipt', {
      conversationId: withBob.id,
      type: 'read',
      seq: link.seq,
    });
    const great = await send(bob, withBob.id, 'Yes! Looks **great** 👍');
    const react = async (from: RegisteredUser, seq: number, emoji: string) => {
      const path = `/api/conversations/${withBob.id}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`;
      const response = await server.http.request('PUT', path, { token: from.accessToken });
      expect(response.status).toBe(204);
    };
    await react(alice, great.seq, '🎉');
    await react(bob, great.seq, '🎉');
    await react(alice, great.seq, '❤️');
    const reply = await server.http.post(`/api/conversations/${withBob.id}/messages`, {
      token: bob.accessToken,
      body: {
        clientId: 'screenshot-reply',
        replyToSeq: link.seq,
        body: 'I can bring:\n- the *snacks*\n- the board games 🎲\n\n> Saturday, `9:40`',
      },
    });
    expect(reply.status).toBe(201);
    // Pictures: Bob's and Chloé's avatars, and a photo from the place.
    await setAvatar(bob, await picture(256, 256, '#f59e0b', '#b45309'));
    await setAvatar(chloe, await picture(256, 256, '#a78bfa', '#4c1d95'));
    const view = await uploaded(
      server,
      bob.accessToken,
      await picture(1200, 800, '#7dd3fc', '#f472b6'),
      'lake.jpg',
    );
    const photo = await server.http.post(`/api/conversations/${withBob.id}/messages`, {
      token: bob.accessToken,
      body: {
        clientId: 'screenshot-photo',
        body: 'The view from the cabin 🏞️',
        attachmentIds: [view.id],
      },
    });
    expect(photo.status).toBe(201);

    // Sign-in.
    const visitor = await ChatUser.open(
      browser,
      server,
      { ...alice.user, password: '' },
      {
        viewport: VIEWPORT,
      },
    );
    await visible(visitor.page.getByRole('heading', { name: 'Sign in to Chat' }));
    expect(brightness(await background(visitor.page))).toBeGreaterThan(200);
    await save(visitor.page, 'sign-in');
    await visitor.close();

    // The conversation list: unread counts, previews, presence dots.
    const user = await ChatUser.open(
      browser,
      server,
      {
        username: alice.user.username,
        displayName: alice.user.displayName,
        password: alice.password,
      },
      { viewport: VIEWPORT },
    );
    await user.signIn();
    for (const title of ['Bob Stone', 'Weekend trip', 'Chloé Martin', 'Dan Okafor']) {
      await visible(user.conversationRow(title));
    }
    await visible(user.conversationRow('Weekend trip').getByLabel('4 unread'));
    await visible(user.conversationRow('Bob Stone').getByLabel('3 unread'));
    await visible(user.conversationRow('Bob Stone').getByTestId('avatar-image'));
    await visible(user.conversationRow('Chloé Martin').getByTestId('avatar-image'));
    await visible(user.conversationRow('Dan Okafor').getByLabel('1 unread'));
    await save(user.page, 'conversations');

    // A conversation: read ticks, a link, the other person typing.
    await user.openConversation('Bob Stone');
    await visible(user.tick('It is here', 'Read'));
    await visible(user.message('the board games 🎲'));
    await visible(user.message('Looks great').getByTestId('reaction').first());
    await visible(user.message('plan for Saturday').getByTestId('message-edited'));
    await visible(user.message('the board games 🎲').getByTestId('reply-quote'));
    await visible(user.message('The view from the cabin').getByTestId('attachment-thumbnail'));
    await expect
      .poll(() =>
        user
          .message('The view from the cabin')
          .getByTestId('attachment-thumbnail')
          .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
      )
      .toBe(true);
    await hidden(user.conversationRow('Bob Stone').getByLabel('3 unread'));
    await emitWithAck(bobSocket, 'typing', { conversationId: withBob.id, typing: true });
    await visible(user.paneStatus('Bob Stone').getByText('typing…'));
    // Keep the composer's focus ring out of the picture.
    await user.page.getByRole('heading', { name: 'Bob Stone' }).click();
    await save(user.page, 'conversation');

    // The sidebar's menu, with do-not-disturb on (no switch animation caught mid-way).
    await user.page.emulateMedia({ reducedMotion: 'reduce' });
    await user.openMenu();
    await user.doNotDisturbItem().click();
    await visible(
      user.page.getByRole('menuitemcheckbox', { name: 'Do not disturb', checked: true }),
    );
    await user.page.mouse.move(0, VIEWPORT.height - 1);
    await save(user.page, 'menu');
    await user.doNotDisturbItem().click();
    await visible(
      user.page.getByRole('menuitemcheckbox', { name: 'Do not disturb', checked: false }),
    );
    await user.page.keyboard.press('Escape');
    await hidden(user.page.getByRole('menu'));

    // The dark theme follows the system's colour scheme.
    await user.page.emulateMedia({ colorScheme: 'dark' });
    await user.openConversation('Weekend trip');
    await visible(user.page.getByRole('separator', { name: 'New messages' }));
    await visible(user.message('Perfect, then we need no tickets.'));
    // A muted group: the amber bell in its header, the mark in the list.
    await user.muteButton('Weekend trip').click();
    await visible(user.conversationRow('Weekend trip').getByTitle('Muted'));
    expect(brightness(await background(user.page))).toBeLessThan(40);
    await user.page.getByRole('heading', { name: 'Weekend trip' }).click();
    await save(user.page, 'dark');

    expect(user.pageErrors).toEqual([]);
    expect(await user.cspViolations()).toEqual([]);
  });
});
