import {
  BRIDGE_METHOD_NAMES,
  IPC_CHANNELS,
  fail,
  parseBridgeArgs,
  type BridgeHandlers,
  type BridgeMethod,
  type BridgeValues,
  type ChatEvent,
  type Result,
} from '../../shared/bridge';

/** The parts of an IPC sender frame the trust check reads (`WebFrameMain`). */
export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
  readonly processId: number;
  readonly routingId: number;
}

export interface InvokeEvent {
  readonly senderFrame: SenderFrame | null;
}

/** The parts of `ipcMain` used here. */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

/**
 * Only our window's main frame, showing our own page, may call the bridge: not an iframe,
 * not another window, not a page the window was somehow navigated to.
 */
export function isTrustedSender(
  frame: SenderFrame | null,
  expected: Pick<SenderFrame, 'processId' | 'routingId'> | null,
  isAppUrl: (url: string) => boolean,
): boolean {
  if (!frame || !expected) return false;
  if (frame.parent !== null) return false;
  if (frame.processId !== expected.processId || frame.routingId !== expected.routingId) {
    return false;
  }
  return isAppUrl(frame.url);
}

export interface BridgeIpcOptions {
  /** Decides whether an event's sender may call the bridge. */
  isTrustedSender(frame: SenderFrame | null): boolean;
  /** For errors a handler threw (a bug): logged here, a generic error goes back. */
  onHandlerError?(method: BridgeMethod, error: unknown): void;
}

/**
 * Builds the listener for one channel: sender check, then argument validation (the only
 * validation an Electron bridge call gets), then the handler. A rejected call never
 * reaches the handler.
 */
export function createInvokeListener<M extends BridgeMethod>(
  method: M,
  handler: BridgeHandlers[M],
  options: BridgeIpcOptions,
): (event: InvokeEvent, ...args: unknown[]) => Promise<Result<BridgeValues[M]>> {
  return async (event, ...args) => {
    if (!options.isTrustedSender(event.senderFrame)) {
      return fail('forbidden', 'This caller may not use the chat bridge.');
    }
    // Every bridge call takes at most one argument; extra ones are a malformed call.
    if (args.length > 1) {
      return fail('invalid_request', 'The request is not valid.');
    }
    const parsed = parseBridgeArgs(method, args[0]);
    if (!parsed.ok) return parsed;
    try {
      return await handler(parsed.value);
    } catch (error) {
      options.onHandlerError?.(method, error);
      return fail('internal', 'Something went wrong. Please try again.');
    }
  };
}

/** Registers every bridge channel; returns a function that removes them again. */
export function registerBridgeIpc(
  ipcMain: IpcMainLike,
  handlers: BridgeHandlers,
  options: BridgeIpcOptions,
): () => void {
  for (const method of BRIDGE_METHOD_NAMES) {
    register(ipcMain, method, handlers, options);
  }
  return () => {
    for (const method of BRIDGE_METHOD_NAMES) ipcMain.removeHandler(IPC_CHANNELS.invoke[method]);
  };
}

function register(
  ipcMain: IpcMainLike,
  method: BridgeMethod,
  handlers: BridgeHandlers,
  options: BridgeIpcOptions,
): void {
  ipcMain.handle(
    IPC_CHANNELS.invoke[method],
    createInvokeListener(method, handlers[method], options),
  );
}

export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, event: ChatEvent): void;
}

/** Relays one core event to the renderer, if the window is still there. */
export function relayEvent(target: EventTarget | null, event: ChatEvent): void {
  if (!target || target.isDestroyed()) return;
  target.send(IPC_CHANNELS.event, event);
}
