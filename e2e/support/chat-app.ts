/**
 * One person using the web client in their own browser context (own storage, own
 * socket), driven through what they see: labels, roles and the text on screen.
 */
import { randomBytes } from 'node:crypto';
import type {
  Browser,
  BrowserContext,
  BrowserContextOptions,
  Locator,
  Page,
} from 'playwright-core';
import type { RegisteredUser } from '@chat/api/testing';
import type { ChatServer } from './server';

/** Waits on a loaded machine are long; they end as soon as the state shows. */
export const UI_TIMEOUT_MS = 20_000;

export interface Account {
  username: string;
  displayName: string;
  password: string;
}

export function newAccount(displayName: string): Account {
  return {
    username: `u_${randomBytes(6).toString('hex')}`,
    displayName,
    password: `pw-${randomBytes(8).toString('hex')}`,
  };
}

export interface CspViolation {
  directive: string;
  blockedURI: string;
  sample: string;
}

declare global {
  interface Window {
    /** Filled by an init script before any page script runs. */
    __cspViolations?: CspViolation[];
  }
}

/** Resolves once `locator` matches exactly one visible element (strict: a duplicate fails). */
export async function visible(locator: Locator, timeout = UI_TIMEOUT_MS): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout });
}

export async function hidden(locator: Locator, timeout = UI_TIMEOUT_MS): Promise<void> {
  await locator.waitFor({ state: 'hidden', timeout });
}

/** Every person opened in this test file and not closed: what a failure report looks at. */
const openUsers = new Set<ChatUser>();

export function usersStillOpen(): ChatUser[] {
  return [...openUsers];
}

/** E2E_TRACE=1 records a Playwright trace of every browser context (costly: opt in). */
export const TRACING = process.env.E2E_TRACE === '1';

async function newTracedContext(
  browser: Browser,
  options: BrowserContextOptions,
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  if (TRACING) await context.tracing.start({ screenshots: true, snapshots: true });
  return context;
}

export class ChatUser {
  /** Every alert/confirm/prompt the page opened (each is dismissed). */
  readonly dialogs: string[] = [];
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[] = [];
  /** The page's console and errors, each line stamped with ms since this person opened. */
  readonly log: string[] = [];
  private readonly openedAt = Date.now();
  page: Page;

  private constructor(
    readonly context: BrowserContext,
    page: Page,
    readonly server: ChatServer,
    readonly account: Account,
  ) {
    this.page = page;
    this.watch(page);
    openUsers.add(this);
  }

  static async open(
    browser: Browser,
    server: ChatServer,
    account: Account,
    options: BrowserContextOptions = {},
  ): Promise<ChatUser> {
    const context = await newTracedContext(browser, {
      viewport: { width: 1100, height: 760 },
      ...options,
    });
    await context.addInitScript(() => {
      const seen: CspViolation[] = [];
      window.__cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => {
        seen.push({
          directive: event.effectiveDirective,
          blockedURI: event.blockedURI,
          sample: event.sample,
        });
      });
    });
    const page = await context.newPage();
    const user = new ChatUser(context, page, server, account);
    await user.load();
    return user;
  }

  /** Opens the app for an account registered through the API and signs in with its form. */
  static async signedIn(
    browser: Browser,
    server: ChatServer,
    registered: RegisteredUser,
    options: BrowserContextOptions = {},
  ): Promise<ChatUser> {
    const account: Account = {
      username: registered.user.username,
      displayName: registered.user.displayName,
      password: registered.password,
    };
    const user = await ChatUser.open(browser, server, account, options);
    await user.signIn();
    return user;
  }

  private watch(page: Page): void {
    const note = (line: string) => this.log.push(`+${Date.now() - this.openedAt}ms ${line}`);
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      note(`dialog ${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => undefined);
    });
    page.on('pageerror', (error) => {
      this.pageErrors.push(error.message);
      note(`pageerror: ${error.stack ?? error.message}`);
    });
    page.on('console', (message) => note(`console.${message.type()}: ${message.text()}`));
    page.on('requestfailed', (request) =>
      note(`requestfailed ${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
    );
  }

  /** Opens the app at the API's origin and waits until it knows whether a session exists. */
  async load(): Promise<void> {
    await this.page.goto(this.server.url);
    await hidden(this.page.getByText('Loading…', { exact: true }));
  }

  /** Reloads the tab; its session survives (the browser keeps it), so the shell comes back. */
  async reload(): Promise<void> {
    await this.page.reload();
    await hidden(this.page.getByText('Loading…', { exact: true }));
    await this.waitForShell();
  }

  /** Closes this tab and opens a new one of the same browser profile. */
  async reopen(): Promise<void> {
    await this.page.close();
    this.page = await this.context.newPage();
    this.watch(this.page);
    await this.load();
  }

  /**
   * Quits this browser and starts it again with the same profile (cookies and storage),
   * on a new tab of the app.
   */
  async restart(browser: Browser): Promise<ChatUser> {
    const storageState = await this.context.storageState();
    await this.close();
    const context = await newTracedContext(browser, {
      viewport: { width: 1100, height: 760 },
      storageState,
    });
    const user = new ChatUser(context, await context.newPage(), this.server, this.account);
    await user.load();
    return user;
  }

  /** Another tab of the same browser profile (same cookies and storage), loaded. */
  async openTab(): Promise<ChatUser> {
    const tab = new ChatUser(this.context, await this.context.newPage(), this.server, this.account);
    await tab.load();
    return tab;
  }

  async close(): Promise<void> {
    openUsers.delete(this);
    await this.context.close();
  }

  // ---- accounts ----------------------------------------------------------------------

  async register(): Promise<void> {
    const { page, account } = this;
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel('Display name (optional)').fill(account.displayName);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await this.waitForShell();
  }

  async signIn(): Promise<void> {
    const { page, account } = this;
    await page.getByRole('tab', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await this.waitForShell();
  }

  /** Resolves once the signed-in screen shows. */
  async waitForShell(): Promise<void> {
    await visible(this.page.getByRole('button', { name: 'New chat' }));
  }

  /** Resolves once the sign-in screen shows. */
  async waitForSignIn(): Promise<void> {
    await visible(this.page.getByRole('button', { name: 'Sign in', exact: true }));
  }

  /**
   * Signs out from the sidebar's menu. With unsent messages the app asks first: `unsent`
   * is the answer given (the question must then come; without it, it must not).
   */
  async signOut(unsent?: {
    expect: string;
    choose: 'Keep them for next time' | 'Discard and sign out';
  }): Promise<void> {
    await this.openMenu();
    await this.menuItem('Sign out').click();
    if (unsent !== undefined) {
      const dialog = this.page.getByRole('dialog', { name: unsent.expect });
      await visible(dialog);
      await dialog.getByRole('button', { name: unsent.choose }).click();
    }
    await this.waitForSignIn();
  }

  // ---- the sidebar's own menu --------------------------------------------------------

  menuButton(): Locator {
    return this.page.getByRole('button', { name: 'More options' });
  }

  /** Opens the sidebar's menu (if closed) and returns the named entry. */
  async openMenu(): Promise<Locator> {
    const menu = this.page.getByRole('menu', { name: 'More options' });
    if ((await this.menuButton().getAttribute('aria-expanded')) !== 'true') {
      await this.menuButton().click();
    }
    await visible(menu);
    return menu;
  }

  menuItem(name: string): Locator {
    return this.page.getByRole('menu', { name: 'More options' }).getByRole('menuitem', { name });
  }

  /** The menu's do-not-disturb entry (a menuitemcheckbox: `aria-checked` is its state). */
  doNotDisturbItem(): Locator {
    return this.page
      .getByRole('menu', { name: 'More options' })
      .getByRole('menuitemcheckbox', { name: 'Do not disturb' });
  }

  // ---- finding and opening conversations ---------------------------------------------

  /** A listbox: arrows move focus among its options, Enter or a click opens one. */
  conversationList(): Locator {
    return this.page.getByRole('listbox', { name: 'Conversation list' });
  }

  /** The row titled `title` (a group's preview may name the same person: not that row). */
  conversationRow(title: string): Locator {
    return this.conversationList()
      .getByRole('option')
      .filter({ has: this.page.getByText(title, { exact: true }) });
  }

  /** Whether `locator` has the keyboard focus now. */
  isFocused(locator: Locator): Promise<boolean> {
    return locator.evaluate((element) => element === document.activeElement);
  }

  /** The open conversation (a region named after its title). */
  pane(title: string): Locator {
    return this.page.getByRole('region', { name: title, exact: true });
  }

  paneStatus(title: string): Locator {
    return this.pane(title).locator('header p[aria-live]');
  }

  async startDirect(other: Account): Promise<void> {
    const { page } = this;
    await page.getByRole('button', { name: 'New chat' }).click();
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByLabel('Find people').fill(other.username);
    await dialog
      .getByRole('list', { name: 'People' })
      .getByRole('button')
      .filter({ hasText: `@${other.username}` })
      .click();
    await visible(this.pane(other.displayName));
  }

  async createGroup(title: string, members: readonly Account[]): Promise<void> {
    const { page } = this;
    await this.openMenu();
    await this.menuItem('New group').click();
    const dialog = page.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Group name').fill(title);
    for (const member of members) {
      await dialog.getByLabel('Add people').fill(member.username);
      await dialog
        .getByRole('list', { name: 'People' })
        .getByRole('button')
        .filter({ hasText: `@${member.username}` })
        .click();
      await visible(dialog.getByRole('button', { name: `Remove ${member.displayName}` }));
    }
    await dialog.getByRole('button', { name: /^Create group/ }).click();
    await visible(this.pane(title));
  }

  async openConversation(title: string): Promise<void> {
    await this.conversationRow(title).click();
    await visible(this.pane(title));
  }

  // ---- messages ----------------------------------------------------------------------

  composer(): Locator {
    return this.page.getByRole('textbox', { name: /^Message / });
  }

  messages(): Locator {
    return this.page.getByTestId('message');
  }

  /** The open conversation's message log (`role="log"`, one list item per message). */
  messageLog(title: string): Locator {
    return this.pane(title).getByRole('log', { name: `Messages in ${title}` });
  }

  /** The header's mute toggle; `aria-pressed` says whether the conversation is muted. */
  muteButton(title: string): Locator {
    return this.pane(title).getByRole('button', { name: 'Mute conversation' });
  }

  /** The row of the message whose text contains `text`. */
  message(text: string): Locator {
    return this.messages().filter({ hasText: text });
  }

  /** The delivery mark of one of the user's own messages: Sending, Sent, Delivered, Read. */
  tick(
    text: string,
    state: 'Sending' | 'Waiting for connection' | 'Sent' | 'Delivered' | 'Read' | 'Not sent',
  ): Locator {
    return this.message(text).getByRole('img', { name: state, exact: true });
  }

  /** The text of every message row rendered now, top to bottom. */
  messageTexts(): Promise<string[]> {
    return this.page.getByTestId('message-body').allTextContents();
  }

  /** Types and presses Enter, then waits for the row in this user's own view. */
  async send(text: string): Promise<void> {
    await this.composer().fill(text);
    await this.composer().press('Enter');
    await visible(this.message(text));
  }

  async cspViolations(): Promise<CspViolation[]> {
    return this.page.evaluate(() => window.__cspViolations ?? []);
  }
}
