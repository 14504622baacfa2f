import { describe, expect, it, vi } from 'vitest';
import { BRIDGE_ARG_SCHEMAS, validatingCalls } from './args';
import {
  BRIDGE_METHOD_NAMES,
  CORE_METHODS,
  IPC_CHANNELS,
  SHELL_METHODS,
  ipcChannel,
} from './methods';
import { done } from './results';

describe('the bridge table', () => {
  it('gives every call its own channel, named as the preload and main expect', () => {
    expect(ipcChannel('signIn')).toBe('chat:sign-in');
    expect(ipcChannel('getConnectionStatus')).toBe('chat:get-connection-status');
    const channels = Object.values(IPC_CHANNELS.invoke);
    expect(new Set([...channels, IPC_CHANNELS.event]).size).toBe(channels.length + 1);
    for (const channel of channels) expect(channel).toMatch(/^chat:[a-z]+(-[a-z]+)*$/);
  });

  it('splits the calls between the core and the shell, each call on exactly one side', () => {
    expect([...CORE_METHODS, ...SHELL_METHODS].sort()).toEqual([...BRIDGE_METHOD_NAMES].sort());
    expect(CORE_METHODS.filter((m) => (SHELL_METHODS as string[]).includes(m))).toEqual([]);
    expect(SHELL_METHODS).toContain('openExternal');
    expect(CORE_METHODS).toContain('sendMessage');
  });

  it('has one argument schema per call and none for a call it does not declare', () => {
    expect(Object.keys(BRIDGE_ARG_SCHEMAS).sort()).toEqual([...BRIDGE_METHOD_NAMES].sort());
  });
});

describe('validatingCalls', () => {
  it('refuses a bad argument before the handler sees it', async () => {
    const markRead = vi.fn(() => Promise.resolve(done()));
    const calls = validatingCalls(['markRead'], { markRead });
    const refused = await calls.markRead({ conversationId: '', seq: -1 });
    expect(refused.ok ? null : refused.error.code).toBe('invalid_request');
    expect(markRead).not.toHaveBeenCalled();
    await expect(calls.markRead({ conversationId: 'c1', seq: 2 })).resolves.toEqual(done());
    expect(markRead).toHaveBeenCalledWith({ conversationId: 'c1', seq: 2 });
  });

  it('resolves a handler that throws to an internal error, never a rejection', async () => {
    const seen: string[] = [];
    const calls = validatingCalls(
      ['catchUp'],
      { catchUp: () => Promise.reject(new Error('bug')) },
      (method) => seen.push(method),
    );
    const result = await calls.catchUp();
    expect(result.ok ? null : result.error.code).toBe('internal');
    expect(seen).toEqual(['catchUp']);
  });
});
