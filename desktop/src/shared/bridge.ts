/**
 * The bridge contract: `window.chat`, the one narrow surface the renderer talks to. This
 * file is its front page; the parts live in `bridge/` by what they are:
 * - `methods.ts`: THE table of calls (who serves each, what it resolves to) and the IPC
 *   channel names derived from it;
 * - `args.ts`: one zod schema per call's argument, and the typed call shapes;
 * - `results.ts`: the `Result` every call resolves to;
 * - `model.ts`: what the renderer sees (sessions, messages, conversation views);
 * - `events.ts`: the incremental `ChatEvent`s.
 *
 * Implemented twice, both generated from the table:
 * - Electron: the preload forwards each call over IPC, the main process validates the
 *   argument and runs it on the client core or the shell;
 * - web: `createWebBridge()` validates and runs the core inside the page.
 *
 * Rules every implementation follows:
 * - every call resolves (never rejects) to a `Result`; failures are values, so nothing
 *   crosses the process boundary as an exception;
 * - every call takes at most ONE argument, a plain object, so validation is one schema;
 * - state reaches the renderer as small incremental `ChatEvent`s through `onEvent`, never as
 *   whole-state dumps; the renderer asks for lists (`listConversations`, `loadHistory`) once
 *   and then applies events;
 * - tokens never cross the bridge.
 *
 * Environment-neutral: no DOM, Node or Electron imports here.
 */
import type { BridgeCalls } from './bridge/args';
import type { ChatEventListener } from './bridge/events';
import type { NotificationPermissionControl } from './notifications';

export * from './bridge/results';
export * from './bridge/model';
export * from './bridge/events';
export * from './bridge/methods';
export * from './bridge/args';
export type { SessionPersistence, ShellSettings } from './settings';
export type { AppStatus, LaunchAtLogin, UpdateState } from './app-status';

/** `window.chat`. */
export interface ChatBridge extends BridgeCalls {
  /** Subscribe to incremental events; returns the unsubscribe function. */
  onEvent(listener: ChatEventListener): () => void;
  /** Present only where notifications need the user's permission first (a browser). */
  readonly notificationPermission?: NotificationPermissionControl;
}
