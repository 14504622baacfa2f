import type { HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { safeExternalUrl } from './external-links.main';

/**
 * Navigation policy for every web contents the app creates, in ONE place: the window never
 * leaves our own pages, never opens a child window, and an http(s) link the user clicks
 * goes to their browser instead (through the checked external path).
 */
export interface NavigationPolicy {
  /** Whether `url` is one of our own renderer pages. */
  isAppUrl(url: string): boolean;
  /** Hands a checked http(s) URL to the user's browser. */
  openExternal(url: URL): void;
}

export interface GuardedEvent {
  preventDefault(): void;
}

/** `will-navigate` / `will-redirect` / `will-frame-navigate`: stay on our pages. */
export function handleNavigation(policy: NavigationPolicy, event: GuardedEvent, url: string): void {
  if (policy.isAppUrl(url)) return;
  event.preventDefault();
  const external = safeExternalUrl(url);
  if (external) policy.openExternal(external);
}

/** `setWindowOpenHandler`: never a new window; http(s) goes to the browser. */
export function handleWindowOpen(
  policy: NavigationPolicy,
  details: Pick<HandlerDetails, 'url'>,
): WindowOpenHandlerResponse {
  const external = safeExternalUrl(details.url);
  if (external) policy.openExternal(external);
  return { action: 'deny' };
}

/** The parts of `WebContents` the guards attach to. */
export interface GuardableContents {
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: GuardedEvent, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: GuardedEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
}

/**
 * Installed from `app.on('web-contents-created')`, so it covers every contents, including
 * any a future feature creates, not just the main window.
 */
export function guardNavigation(contents: GuardableContents, policy: NavigationPolicy): void {
  contents.on('will-navigate', (event, url) => handleNavigation(policy, event, url));
  contents.on('will-redirect', (event, url) => handleNavigation(policy, event, url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler((details) => handleWindowOpen(policy, details));
}
