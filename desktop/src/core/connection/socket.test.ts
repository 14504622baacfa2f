import { describe, expect, it } from 'vitest';
import { SERVER_EVENTS } from '@chat/protocol';
import { listenToServer, type EventSource, type ServerEventHandlers } from './socket';

function fakeSocket() {
  const listeners = new Map<string, (payload: unknown) => void>();
  const socket: EventSource = {
    on(event, listener) {
      listeners.set(event, listener);
    },
  };
  return { socket, fire: (event: string, payload: unknown) => listeners.get(event)?.(payload) };
}

function recordingHandlers() {
  const seen: [string, unknown][] = [];
  const record =
    (event: string) =>
    (payload: unknown): void => {
      seen.push([event, payload]);
    };
  const handlers: ServerEventHandlers = {
    'message:new': record('message:new'),
    'message:updated': record('message:updated'),
    'conversation:new': record('conversation:new'),
    'conversation:updated': record('conversation:updated'),
    'conversation:removed': record('conversation:removed'),
    presence: record('presence'),
    'user:updated': record('user:updated'),
    typing: record('typing'),
    receipt: record('receipt'),
  };
  return { seen, handlers };
}

describe('server events', () => {
  it('listens to every server event the protocol names', () => {
    const names: string[] = [];
    listenToServer({ on: (event) => names.push(event) }, recordingHandlers().handlers);
    expect(names.sort()).toEqual([...SERVER_EVENTS].sort());
  });

  it('hands a handler only payloads that follow the protocol', () => {
    const { socket, fire } = fakeSocket();
    const { seen, handlers } = recordingHandlers();
    const invalid: string[] = [];
    listenToServer(socket, handlers, (event) => invalid.push(event));
    const typing = { conversationId: 'c1', userId: 'u1', typing: true };
    fire('typing', typing);
    fire('typing', { conversationId: 'c1', typing: 'yes' });
    fire('presence', { userId: 'u1', online: true });
    fire('message:new', { id: 'm1', seq: -1 });
    fire('receipt', { conversationId: 'c1', userId: 'u1', type: 'read', seq: 3 });
    expect(seen).toEqual([
      ['typing', typing],
      ['receipt', { conversationId: 'c1', userId: 'u1', type: 'read', seq: 3 }],
    ]);
    expect(invalid).toEqual(['typing', 'presence', 'message:new']);
  });
});
