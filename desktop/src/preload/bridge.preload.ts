import type {
  BridgeCalls,
  BridgeMethod,
  ChatBridge,
  ChatEvent,
  ChatEventListener,
  Result,
} from '../shared/bridge';
// Not from bridge.ts: it re-exports the argument schemas, which the preload would then
// have to bundle with zod. The table itself is zod-free.
import { BRIDGE_METHOD_NAMES, IPC_CHANNELS } from '../shared/bridge/methods';

/** The parts of `ipcRenderer` the bridge uses; nothing else of it reaches the page. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/**
 * `window.chat` for the Electron renderer, generated from the bridge table: one function
 * per call, each a single `invoke` on its own channel. The main process validates every
 * argument; nothing here is trusted by it.
 */
export function createPreloadBridge(ipc: IpcRendererLike): ChatBridge {
  function call(method: BridgeMethod, args?: unknown): Promise<Result<never>> {
    const channel = IPC_CHANNELS.invoke[method];
    const reply = args === undefined ? ipc.invoke(channel) : ipc.invoke(channel, args);
    // The bridge contract: calls resolve, never reject (a torn-down main process is a
    // network-like failure the renderer shows, not an unhandled exception).
    return reply.then(
      (value) => value as Result<never>,
      () => ({
        ok: false,
        error: { code: 'network', message: 'The app could not complete the request.' },
      }),
    );
  }

  // One function per call of the table, each forwarding its one argument.
  const calls = Object.fromEntries(
    BRIDGE_METHOD_NAMES.map((method) => [method, (args?: unknown) => call(method, args)]),
  ) as unknown as BridgeCalls;

  return {
    ...calls,
    onEvent(listener: ChatEventListener): () => void {
      // Only the payload is passed on: the IPC event object carries `sender`, which is
      // ipcRenderer itself, and must never reach page code.
      const relay = (_event: unknown, payload: unknown): void => {
        listener(payload as ChatEvent);
      };
      ipc.on(IPC_CHANNELS.event, relay);
      return () => {
        ipc.removeListener(IPC_CHANNELS.event, relay);
      };
    },
  } satisfies ChatBridge;
}
