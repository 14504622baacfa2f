/**
 * What a failed browser test leaves behind: for every person still open, a screenshot,
 * the page's HTML, the fields' current values and focus (the HTML does not carry what was
 * typed), and the page's console; with E2E_TRACE=1 also a Playwright trace. A flake seen
 * once in a whole-suite run can then be read afterwards instead of guessed at.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { TRACING, usersStillOpen, type ChatUser } from './chat-app';

/** A frozen page must not hold the report up: each capture gets this long. */
const CAPTURE_TIMEOUT_MS = 5_000;

/** Saves what every open person's page shows; returns the folder, or null with nobody open. */
export async function saveFailureTrace(testName: string): Promise<string | null> {
  const users = usersStillOpen();
  if (users.length === 0) return null;
  const dir = mkdtempSync(join(tmpdir(), `chat-e2e-failure-${slug(testName)}-`));
  const traced = new Set<BrowserContext>();
  for (const [index, user] of users.entries()) {
    const prefix = join(dir, `${index + 1}-${slug(user.account.displayName)}`);
    writeFileSync(`${prefix}.log.txt`, logOf(user));
    if (user.page.isClosed()) continue;
    await attempt(() => user.page.screenshot({ path: `${prefix}.png`, fullPage: true }));
    await attempt(async () => writeFileSync(`${prefix}.html`, await user.page.content()));
    await attempt(async () =>
      writeFileSync(`${prefix}.fields.json`, JSON.stringify(await fieldsOf(user), null, 2)),
    );
    if (TRACING && !traced.has(user.context)) {
      traced.add(user.context);
      await attempt(() => user.context.tracing.stop({ path: `${prefix}.trace.zip` }));
    }
  }
  return dir;
}

function logOf(user: ChatUser): string {
  return [
    `${user.account.displayName} (@${user.account.username}) at ${user.page.url()}`,
    ...user.log,
    '',
  ].join('\n');
}

/** Every text field's value and caret, and which element has the focus. */
function fieldsOf(user: ChatUser) {
  return user.page.evaluate(() => {
    const describe = (element: Element | null) =>
      element === null
        ? null
        : `${element.tagName.toLowerCase()}${element.id === '' ? '' : `#${element.id}`}` +
          ` ${element.getAttribute('aria-label') ?? element.getAttribute('placeholder') ?? ''}`;
    return {
      focused: describe(document.activeElement),
      fields: [...document.querySelectorAll('input, textarea')]
        .filter(
          (element): element is HTMLInputElement | HTMLTextAreaElement =>
            (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) &&
            element.type !== 'password' &&
            element.type !== 'file',
        )
        .map((element) => ({
          field: describe(element),
          value: element.value,
          caret: element.selectionStart,
        })),
    };
  });
}

async function attempt(capture: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CAPTURE_TIMEOUT_MS);
  });
  try {
    await Promise.race([capture().then(() => undefined), timeout]);
  } catch {
    // A closed or crashed page: keep whatever else can be saved.
  } finally {
    clearTimeout(timer);
  }
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/gu, '-')
      .replace(/^-|-$/gu, '')
      .slice(0, 40) || 'page'
  );
}
