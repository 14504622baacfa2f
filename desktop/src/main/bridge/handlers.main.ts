import {
  done,
  fail,
  ok,
  type BridgeHandlers,
  type Result,
  type ShellSettings,
} from '../../shared/bridge';
import { coreCalls, type ChatClient } from '../../core/client';

/** What the shell itself does for the shell-only bridge calls. */
export interface ShellServices {
  setActiveConversation(conversationId: string | null): void;
  setDoNotDisturb(enabled: boolean): void;
  settings(): Promise<ShellSettings>;
  /** Opens a checked http(s) URL in the user's browser; false when refused. */
  openExternal(url: string): Promise<boolean>;
}

/**
 * The bridge as the main process serves it: core calls go to the client core, shell
 * calls to the Electron services. Arguments arrive validated (see `ipc.main.ts`).
 */
export function createBridgeHandlers(
  client: ChatClient,
  shell: ShellServices,
  saveAttachment: (attachmentId: string, name: string) => Promise<Result<{ saved: boolean }>>,
) {
  return {
    ...coreCalls(client),

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
