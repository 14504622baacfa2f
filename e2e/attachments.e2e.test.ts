import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, registerUser, uploaded } from '@chat/api/testing';
import { launchChromium } from './support/browser';
import { ChatUser, newAccount, visible } from './support/chat-app';
import { ChatServer } from './support/server';

let server: ChatServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([ChatServer.start(), launchChromium()]);
});

afterAll(async () => {
  await browser.close();
  await server.close();
});

describe('files and images', () => {
  it('an image and a PDF picked in the composer reach the other person, who views and downloads them', async () => {
    const alice = await ChatUser.open(browser, server, newAccount('Alice Files'));
    const bob = await ChatUser.open(browser, server, newAccount('Bob Files'));
    await Promise.all([alice.register(), bob.register()]);
    await alice.startDirect(bob.account);
    await alice.send('Sending you two files');
    await bob.openConversation(alice.account.displayName);
    await visible(bob.message('Sending you two files'));

    const photo = await sharp({
      create: { width: 640, height: 360, channels: 3, background: { r: 200, g: 80, b: 40 } },
    })
      .png()
      .toBuffer();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000)]);
    await alice.page.getByTestId('attach-input').setInputFiles([
      { name: 'sunset.png', mimeType: 'image/png', buffer: photo },
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf },
    ]);
    await visible(alice.page.locator('[data-testid="pending-file"][data-status="done"]').nth(1));
    await alice.composer().fill('Here they are');
    await alice.composer().press('Enter');

    const received = bob.message('Here they are');
    const thumbnail = received.getByTestId('attachment-thumbnail');
    await visible(thumbnail);
    // The thumbnail keeps the photo's shape (16:9), reserved before it loaded.
    const box = await thumbnail.boundingBox();
    expect(box && Math.round((box.width / box.height) * 9)).toBe(16);

    // Full size in the viewer, closed with Escape.
    await received.getByRole('button', { name: 'Open sunset.webp' }).click();
    await visible(bob.page.getByTestId('attachment-full'));
    await bob.page.keyboard.press('Escape');

    // The PDF downloads with the very bytes Alice picked.
    const card = received.getByTestId('attachment-file');
    await visible(card.getByText('report.pdf'));
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      card.getByRole('button', { name: 'Download report.pdf' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('report.pdf');
    const saved = await download.path();
    expect((await readFile(saved)).equals(pdf)).toBe(true);
    expect(alice.pageErrors).toEqual([]);
    expect(bob.pageErrors).toEqual([]);
  });
});

describe('the image viewer', () => {
  it('goes through the images of a message with the arrow keys and gives focus back on close', async () => {
    const [ann, ben] = await Promise.all([
      registerUser(server, { displayName: 'Ann Viewer' }),
      registerUser(server, { displayName: 'Ben Viewer' }),
    ]);
    const conversation = await openDirect(server, ann.accessToken, ben.user.id);
    const image = ([r, g, b]: readonly [number, number, number]) =>
      sharp({ create: { width: 400, height: 300, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer();
    const uploads = [];
    for (const [name, colour] of [
      ['one.png', [200, 40, 40]],
      ['two.png', [40, 200, 40]],
      ['three.png', [40, 40, 200]],
    ] as const) {
      uploads.push(await uploaded(server, ann.accessToken, await image(colour), name));
    }
    const sent = await server.http.post(`/api/conversations/${conversation.id}/messages`, {
      token: ann.accessToken,
      body: {
        clientId: 'three-images',
        body: 'Three pictures',
        attachmentIds: uploads.map((u) => u.id),
      },
    });
    expect(sent.status).toBe(201);

    const viewer = await ChatUser.signedIn(browser, server, ben);
    await viewer.openConversation('Ann Viewer');
    const message = viewer.message('Three pictures');
    await visible(message.getByTestId('attachment-thumbnail').nth(2));
    const first = message.getByRole('button', { name: 'Open one.webp' });
    await first.click();
    const dialog = viewer.page.getByRole('dialog');
    await visible(dialog.getByRole('heading', { name: 'one.webp' }));
    await visible(dialog.getByText('1 of 3'));
    await viewer.page.keyboard.press('ArrowRight');
    await visible(dialog.getByRole('heading', { name: 'two.webp' }));
    await viewer.page.keyboard.press('ArrowRight');
    await visible(dialog.getByRole('heading', { name: 'three.webp' }));
    await visible(dialog.getByTestId('attachment-full'));
    // The last one: Right stays, Next is off.
    await viewer.page.keyboard.press('ArrowRight');
    await visible(dialog.getByText('3 of 3'));
    expect(await dialog.getByRole('button', { name: 'Next →' }).isDisabled()).toBe(true);
    await viewer.page.keyboard.press('ArrowLeft');
    await visible(dialog.getByRole('heading', { name: 'two.webp' }));
    await viewer.page.keyboard.press('Escape');
    await expect.poll(() => first.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(viewer.pageErrors).toEqual([]);
  });
});

describe('avatars', () => {
  it('a picture set in the profile replaces the initials for the other person too, and can be removed', async () => {
    const alice = await ChatUser.open(browser, server, newAccount('Alice Avatar'));
    const bob = await ChatUser.open(browser, server, newAccount('Bob Avatar'));
    await Promise.all([alice.register(), bob.register()]);
    await alice.startDirect(bob.account);
    await alice.send('Look at my new picture');
    await bob.openConversation(alice.account.displayName);
    await visible(bob.message('Look at my new picture'));

    const face = await sharp({
      create: { width: 400, height: 300, channels: 3, background: { r: 30, g: 120, b: 200 } },
    })
      .jpeg()
      .toBuffer();
    await alice.page.getByRole('button', { name: 'More options' }).click();
    await alice.page.getByRole('menuitem', { name: 'Profile…' }).click();
    const editor = alice.page.getByTestId('avatar-editor');
    await editor
      .locator('input[type="file"]')
      .setInputFiles({ name: 'face.jpg', mimeType: 'image/jpeg', buffer: face });
    await visible(editor.getByTestId('avatar-preview'));
    await editor.getByRole('button', { name: 'Save picture' }).click();
    await visible(editor.getByRole('button', { name: 'Remove picture' }));
    // Her own header shows it (loaded with the session's token, as a blob URL).
    const own = alice.page.locator('aside header [data-testid="avatar-image"]');
    await visible(own);
    expect(await own.getAttribute('src')).toMatch(/^blob:/);
    await alice.page.keyboard.press('Escape');

    // Bob's header of their conversation follows live (user:updated, then catch-up).
    const seen = bob.page.locator('section header [data-testid="avatar-image"]');
    await visible(seen);
    const size = await seen.evaluate((img: HTMLImageElement) => img.naturalWidth);
    expect(size).toBeGreaterThan(0);

    await alice.page.getByRole('button', { name: 'More options' }).click();
    await alice.page.getByRole('menuitem', { name: 'Profile…' }).click();
    await editor.getByRole('button', { name: 'Remove picture' }).click();
    await visible(alice.page.locator('aside header [data-testid="avatar-initials"]'));
    expect(alice.pageErrors).toEqual([]);
    expect(bob.pageErrors).toEqual([]);
  });
});

describe('upload progress and cancel', () => {
  it('shows a progress bar while a file uploads, and cancelling takes it out of the message', async () => {
    const alice = await ChatUser.open(browser, server, newAccount('Alice Cancel'));
    const bob = await ChatUser.open(browser, server, newAccount('Bob Cancel'));
    await Promise.all([alice.register(), bob.register()]);
    await alice.startDirect(bob.account);
    await alice.send('About to send a big file');

    // The server never answers this upload: it stays in flight until cancelled.
    let held = 0;
    await alice.page.route('**/api/uploads', () => {
      held++;
    });
    await alice.page.getByTestId('attach-input').setInputFiles({
      name: 'huge.bin',
      mimeType: 'application/octet-stream',
      buffer: randomBytes(200_000),
    });
    const pending = alice.page.getByTestId('pending-file');
    await visible(pending.getByRole('progressbar', { name: 'Uploading huge.bin' }));
    // The bar shows as the file is added; the request reaches the route a moment later.
    await expect.poll(() => held).toBe(1);
    await pending.getByRole('button', { name: 'Cancel upload of huge.bin' }).click();
    await expect.poll(() => pending.count()).toBe(0);
    await alice.page.unroute('**/api/uploads');

    // The next one goes through, its bar full, and the message carries only it.
    await alice.page
      .getByTestId('attach-input')
      .setInputFiles({ name: 'small.txt', mimeType: 'text/plain', buffer: Buffer.from('tiny') });
    await visible(alice.page.locator('[data-testid="pending-file"][data-status="done"]'));
    await alice.composer().fill('Only the small one');
    await alice.composer().press('Enter');
    await bob.openConversation(alice.account.displayName);
    const received = bob.message('Only the small one');
    await visible(received.getByTestId('attachment-file').getByText('small.txt'));
    expect(await received.getByTestId('attachment-file').count()).toBe(1);
    expect(alice.pageErrors).toEqual([]);
  });
});

describe('an upload the connection breaks', () => {
  it('is uploaded again by itself, and the message goes out once with it', async () => {
    const alice = await ChatUser.open(browser, server, newAccount('Alice Retry'));
    const bob = await ChatUser.open(browser, server, newAccount('Bob Retry'));
    await Promise.all([alice.register(), bob.register()]);
    await alice.startDirect(bob.account);
    await alice.send('A file is coming');

    // The first attempt loses its connection; the next ones go through.
    let attempts = 0;
    await alice.page.route('**/api/uploads', async (route) => {
      attempts++;
      if (attempts === 1) await route.abort('connectionreset');
      else await route.continue();
    });
    const notes = Buffer.from('meeting notes\n'.repeat(200));
    await alice.page
      .getByTestId('attach-input')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: notes });
    await visible(alice.page.locator('[data-testid="pending-file"][data-status="done"]'));
    expect(attempts).toBe(2);
    await alice.composer().fill('Here are the notes');
    await alice.composer().press('Enter');

    await bob.openConversation(alice.account.displayName);
    const received = bob.message('Here are the notes');
    await visible(received.getByTestId('attachment-file').getByText('notes.txt'));
    await visible(alice.tick('Here are the notes', 'Read'));
    // One message (the list's preview names it too, so count the rows of the history).
    expect(await received.count()).toBe(1);
    expect(await received.getByTestId('attachment-file').count()).toBe(1);
    expect(alice.pageErrors).toEqual([]);
  });
});
