import {
  done,
  fail,
  ok,
  type BridgeHandlers,
  type Result,
  type ShellSettings,
} from '../../shared/bridge';
import { coreCalls, type ChatClient } from '../../core/client';
import type { LaunchAtLoginController } from '../system/launch-at-login.main';
import type { UpdateController } from '../system/updater.main';

/** What the shell itself does for the shell-only bridge calls. */
export interface ShellServices {
  setActiveConversation(conversationId: string | null): void;
  setDoNotDisturb(enabled: boolean): void;
  settings(): Promise<ShellSettings>;
  /** Opens a checked http(s) URL in the user's browser; false when refused. */
  openExternal(url: string): Promise<boolean>;
}

/** The installed app's parts behind the `getAppStatus` family of calls. */
export interface AppServices {
  version: string;
  launchAtLogin: LaunchAtLoginController;
  updates: UpdateController;
}

/** The calls about the installed app: its version, start at login, updates. */
export function appHandlers(app: AppServices) {
  return {
    getAppStatus: async () =>
      ok({
        version: app.version,
        launchAtLogin: await app.launchAtLogin.get(),
        update: app.updates.state(),
      }),
    setLaunchAtLogin: async ({ enabled }) => {
      const current = await app.launchAtLogin.get();
      if (!current.supported) {
        return fail('unsupported', 'Start at login is available in the installed app only.');
      }
      return ok(await app.launchAtLogin.set(enabled));
    },
    checkForUpdates: async () => {
      if (await app.updates.check()) return done();
      return app.updates.state().status === 'not-configured'
        ? fail('unsupported', 'Updates are not configured for this build.')
        : fail('unavailable', 'The updater could not start; see the log file.');
    },
    installUpdate: () =>
      Promise.resolve(
        app.updates.install() ? done() : fail('conflict', 'No update has been downloaded yet.'),
      ),
  } satisfies Pick<
    BridgeHandlers,
    'getAppStatus' | 'setLaunchAtLogin' | 'checkForUpdates' | 'installUpdate'
  >;
}

/**
 * The bridge as the main process serves it: core calls go to the client core, shell
 * calls to the Electron services. Arguments arrive validated (see `ipc.main.ts`).
 */
export function createBridgeHandlers(
  client: ChatClient,
  shell: ShellServices,
  saveAttachment: (attachmentId: string, name: string) => Promise<Result<{ saved: boolean }>>,
  app: AppServices,
) {
  return {
    ...coreCalls(client),
    ...appHandlers(app),

    setActiveConversation: ({ conversationId }) => {
      shell.setActiveConversation(conversationId);
      return Promise.resolve(done());
    },
    setDoNotDisturb: ({ enabled }) => {
      shell.setDoNotDisturb(enabled);
      return Promise.resolve(done());
    },
    getSettings: async () => ok(await shell.settings()),
    openExternal: async ({ url }) =>
      (await shell.openExternal(url))
        ? done()
        : fail('invalid_request', 'Only web links (http or https) can be opened.'),
    saveAttachment: async ({ attachmentId, name }) => {
      const outcome = await saveAttachment(attachmentId, name);
      return outcome.ok ? ok({ saved: outcome.value.saved }) : outcome;
    },
  } satisfies BridgeHandlers;
}
