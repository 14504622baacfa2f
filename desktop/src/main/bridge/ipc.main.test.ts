import { describe, expect, it, vi } from 'vitest';
import {
  BRIDGE_METHOD_NAMES,
  IPC_CHANNELS,
  ok,
  done,
  type BridgeHandlers,
} from '../../shared/bridge';
import { isAppUrl } from '../security/app-protocol.main';
import {
  createInvokeListener,
  isTrustedSender,
  registerBridgeIpc,
  relayEvent,
  type InvokeEvent,
  type SenderFrame,
} from './ipc.main';

const mainFrame = { processId: 4, routingId: 1 };

function frame(overrides: Partial<SenderFrame> = {}): SenderFrame {
  return { url: 'app://chat/index.html', parent: null, ...mainFrame, ...overrides };
}

const trusted = (f: SenderFrame | null): boolean => isTrustedSender(f, mainFrame, isAppUrl);

describe('isTrustedSender', () => {
  it('accepts our window main frame on our page', () => {
    expect(trusted(frame())).toBe(true);
  });

  it.each<[string, SenderFrame | null]>([
    ['no frame (destroyed)', null],
    ['a sub-frame', frame({ parent: {} })],
    ['another window', frame({ processId: 9 })],
    ['another frame of the process', frame({ routingId: 7 })],
    ['a remote page', frame({ url: 'https://evil.example/' })],
    ['a file page', frame({ url: 'file:///tmp/x.html' })],
    ['a look-alike origin', frame({ url: 'app://chat.evil/index.html' })],
  ])('rejects %s', (_name, f) => {
    expect(trusted(f)).toBe(false);
  });

  it('rejects everything before the window exists', () => {
    expect(isTrustedSender(frame(), null, isAppUrl)).toBe(false);
  });
});

describe('invoke listener', () => {
  const event = (f: SenderFrame | null = frame()): InvokeEvent => ({ senderFrame: f });

  it('passes a valid argument to the handler and returns its result', async () => {
    const handler = vi.fn(() => Promise.resolve(done()));
    const listener = createInvokeListener('markRead', handler, { isTrustedSender: trusted });
    await expect(listener(event(), { conversationId: 'c1', seq: 3 })).resolves.toEqual({
      ok: true,
      value: null,
    });
    expect(handler).toHaveBeenCalledWith({ conversationId: 'c1', seq: 3 });
  });

  it.each([
    ['a wrong type', { conversationId: 'c1', seq: '3' }],
    ['a negative seq', { conversationId: 'c1', seq: -1 }],
    ['a missing field', { conversationId: 'c1' }],
    ['an object for a string', { conversationId: { $gt: '' }, seq: 1 }],
    ['no argument', undefined],
  ])('rejects %s without calling the handler', async (_name, arg) => {
    const handler = vi.fn(() => Promise.resolve(done()));
    const listener = createInvokeListener('markRead', handler, { isTrustedSender: trusted });
    const result = await listener(event(), arg);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects extra arguments', async () => {
    const handler = vi.fn(() => Promise.resolve(done()));
    const listener = createInvokeListener('catchUp', handler, { isTrustedSender: trusted });
    await expect(listener(event(), undefined, 'extra')).resolves.toMatchObject({ ok: false });
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects an argument to a call that takes none', async () => {
    const handler = vi.fn(() => Promise.resolve(done()));
    const listener = createInvokeListener('catchUp', handler, { isTrustedSender: trusted });
    await expect(listener(event(), { everything: true })).resolves.toMatchObject({ ok: false });
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects a too long message body as payload_too_large', async () => {
    const handler = vi.fn(() => Promise.resolve(ok({ clientId: 'x', message: null as never })));
    const listener = createInvokeListener('sendMessage', handler, { isTrustedSender: trusted });
    const result = await listener(event(), { conversationId: 'c1', body: 'x'.repeat(4001) });
    expect(result).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects an openExternal URL that is not http(s)', async () => {
    const handler = vi.fn(() => Promise.resolve(done()));
    const listener = createInvokeListener('openExternal', handler, { isTrustedSender: trusted });
    const result = await listener(event(), { url: 'file:///etc/passwd' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects an untrusted sender before looking at the argument', async () => {
    const handler = vi.fn(() => Promise.resolve(done()));
    const listener = createInvokeListener('markRead', handler, { isTrustedSender: trusted });
    const result = await listener(event(frame({ url: 'https://evil.example/' })), {
      conversationId: 'c1',
      seq: 3,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('turns a thrown error into an internal error result', async () => {
    const onHandlerError = vi.fn();
    const listener = createInvokeListener('catchUp', () => Promise.reject(new Error('secret')), {
      isTrustedSender: trusted,
      onHandlerError,
    });
    const result = await listener(event(), undefined);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(result)).not.toContain('secret');
    expect(onHandlerError).toHaveBeenCalledWith('catchUp', expect.any(Error));
  });
});

describe('registerBridgeIpc', () => {
  it('registers one channel per bridge capability and removes them again', () => {
    const handled = new Map<string, unknown>();
    const ipcMain = {
      handle: (channel: string, listener: unknown) => handled.set(channel, listener),
      removeHandler: (channel: string) => handled.delete(channel),
    };
    const handlers = Object.fromEntries(
      BRIDGE_METHOD_NAMES.map((m) => [m, () => Promise.resolve(done())]),
    ) as unknown as BridgeHandlers;
    const unregister = registerBridgeIpc(ipcMain, handlers, { isTrustedSender: trusted });
    expect([...handled.keys()].sort()).toEqual(Object.values(IPC_CHANNELS.invoke).sort());
    unregister();
    expect(handled.size).toBe(0);
  });
});

describe('relayEvent', () => {
  it('sends core events on the event channel while the window lives', () => {
    const send = vi.fn();
    relayEvent({ isDestroyed: () => false, send }, { type: 'connection', status: 'online' });
    expect(send).toHaveBeenCalledWith(IPC_CHANNELS.event, { type: 'connection', status: 'online' });
    const late = vi.fn();
    relayEvent({ isDestroyed: () => true, send: late }, { type: 'connection', status: 'online' });
    relayEvent(null, { type: 'connection', status: 'online' });
    expect(late).not.toHaveBeenCalled();
  });
});
