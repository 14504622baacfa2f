/**
 * Text written by other people (message bodies, display names, group titles) reaches the
 * page as text only, and the page's CSP stops script that gets in some other way.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person } from '@chat/protocol';
import { createGroup, openDirect, postMessage, registerUser } from '@chat/api/testing';
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

/** Every payload sets a global (and alerts) if it ever runs. */
const IMG_NAME = `<img src=x onerror="window.__xssName=1;alert('name')">`;
const SCRIPT_NAME = `<script>window.__xssName2=1;alert(2)</script>`;
const LINK_NAME = `javascript:window.__xssName3=1;alert(3)`;
const GROUP_TITLE = `<img src=x onerror="window.__xssTitle=1;alert('title')">`;
const MESSAGES = [
  `<img src=x onerror="window.__xssImg=1;alert('img')">`,
  `<script>window.__xssScript=1;alert('script')</script>`,
  `<svg onload="window.__xssSvg=1;alert('svg')"></svg>`,
  `javascript:window.__xssLink=1;alert('link')`,
  `[click here](javascript:window.__xssMarkdown=1)`,
  `<a href="javascript:window.__xssAnchor=1">tap</a>`,
] as const;
const LINK_THEN_HTML = `see http://example.com/"><img src=x onerror="window.__xssUrl=1">`;

async function xssGlobals(user: ChatUser): Promise<string[]> {
  return user.page.evaluate(() => Object.keys(window).filter((key) => key.startsWith('__xss')));
}

describe('hostile text from other people', () => {
  it('is shown verbatim as text in messages, names and titles, and never runs', async () => {
    const mallory = await registerUser(server, { displayName: IMG_NAME });
    const eve = await registerUser(server, { displayName: SCRIPT_NAME });
    const jay = await registerUser(server, { displayName: LINK_NAME });
    const victimAccount = newAccount('Victim');
    const victim = await ChatUser.open(browser, server, victimAccount);
    await victim.register();
    const found = await server.http.get<{ users: Person[] }>('/api/users', {
      token: mallory.accessToken,
      query: { q: victimAccount.username },
    });
    const victimId = found.body.users[0]?.id ?? '';
    expect(victimId).not.toBe('');

    const direct = await openDirect(server, mallory.accessToken, victimId);
    for (const body of [...MESSAGES, LINK_THEN_HTML]) {
      await postMessage(server, mallory.accessToken, direct.id, body);
    }
    const group = await createGroup(
      server,
      eve.accessToken,
      [mallory.user.id, jay.user.id, victimId],
      GROUP_TITLE,
    );
    await postMessage(server, eve.accessToken, group.id, 'Hello from the group');
    await postMessage(server, jay.accessToken, group.id, 'Hello from Jay');

    // Names and titles: in the list, in the conversation header, as a sender's name.
    await visible(victim.conversationRow(IMG_NAME));
    await visible(victim.conversationRow(GROUP_TITLE));
    await victim.openConversation(GROUP_TITLE);
    await visible(victim.pane(GROUP_TITLE).getByRole('heading', { name: GROUP_TITLE }));
    await visible(victim.message('Hello from the group').getByText(SCRIPT_NAME, { exact: true }));

    await victim.openConversation(IMG_NAME);
    await visible(victim.pane(IMG_NAME).getByRole('heading', { name: IMG_NAME }));
    for (const body of [...MESSAGES, LINK_THEN_HTML]) {
      await visible(victim.page.getByTestId('message-body').getByText(body, { exact: true }));
    }

    // The people search shows the names as text too.
    await victim.page.getByRole('button', { name: 'New chat' }).click();
    const dialog = victim.page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByLabel('Find people').fill(eve.user.username);
    await visible(dialog.getByText(SCRIPT_NAME, { exact: true }));
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The CSP would stop an injected handler from running, so the checks that catch a
    // renderer turning text into markup are these: no element was made from the text
    // (and, below, no CSP violation was reported). Only the http URL became a link.
    const page = victim.page;
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    expect(await page.locator('img[src="x"], svg[onload], [onerror]').count()).toBe(0);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    for (const body of MESSAGES) expect(await victim.message(body).locator('a').count()).toBe(0);
    const links = victim.message(LINK_THEN_HTML).locator('a');
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute('href')).toBe('http://example.com/');

    // Clicking the javascript: text does nothing: no navigation, nothing runs.
    const before = page.url();
    await page.getByText(MESSAGES[3], { exact: true }).click();
    await page.getByText(MESSAGES[4], { exact: true }).click();
    expect(page.url()).toBe(before);

    expect(victim.dialogs).toEqual([]);
    expect(await xssGlobals(victim)).toEqual([]);
    expect(victim.pageErrors).toEqual([]);
    expect(await victim.cspViolations()).toEqual([]);
  });
});

describe('the content security policy', () => {
  it('is sent with the page and blocks inline script, inline handlers, eval and inline style', async () => {
    const user = await ChatUser.open(browser, server, newAccount('CSP Probe'));
    await user.register();
    const page = user.page;

    const response = await page.goto(server.url);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    await visible(page.getByRole('button', { name: 'New chat' }));
    // The app itself runs without tripping its own policy.
    expect(await user.cspViolations()).toEqual([]);

    // An inline <script> added the way Playwright adds one...
    await page.addScriptTag({ content: 'window.__inlineTag = true;' }).catch(() => undefined);
    // ...or by any script that got a foothold, an inline handler, eval, an inline <style>.
    const outcome = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineElement = true;';
      document.head.append(script);

      const button = document.createElement('button');
      button.setAttribute('onclick', 'window.__inlineHandler = true;');
      document.body.append(button);
      button.click();
      button.remove();

      // Code evaluated by the test driver itself may eval; a timer callback runs as the page.
      const evalResult = await new Promise<string>((resolve) => {
        setTimeout(() => {
          try {
            // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point of the probe
            const compiled = new Function('return "ran"') as () => unknown;
            resolve(String(compiled()));
          } catch (err) {
            resolve(err instanceof Error ? err.name : 'threw');
          }
        }, 0);
      });

      const style = document.createElement('style');
      style.textContent = 'body { outline: 7px solid rgb(255, 0, 0) !important; }';
      document.head.append(style);
      return { evalResult, outline: getComputedStyle(document.body).outlineWidth };
    });

    expect(outcome.evalResult).toBe('EvalError');
    expect(outcome.outline).not.toBe('7px');
    const ran = await page.evaluate(() =>
      ['__inlineTag', '__inlineElement', '__inlineHandler'].filter((key) => key in window),
    );
    expect(ran).toEqual([]);

    // The browser reported each refusal (the events are dispatched asynchronously).
    await expect
      .poll(async () => (await user.cspViolations()).map((v) => `${v.directive} ${v.blockedURI}`))
      .toEqual(
        expect.arrayContaining([
          'script-src-elem inline',
          'script-src-attr inline',
          'script-src eval',
          'style-src-elem inline',
        ]),
      );
    const inlineScripts = (await user.cspViolations()).filter(
      (v) => v.directive === 'script-src-elem',
    );
    expect(inlineScripts).toHaveLength(2);
    expect(user.dialogs).toEqual([]);
  });
});
