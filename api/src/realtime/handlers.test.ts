import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectSocket, emitWithAck, type ChatClientSocket } from '../../test/helpers';
import { ApiError } from '../http/errors';
import { createLogger } from '../http/logging';
import { createSocketHelpers } from './handlers';
import type { ChatServer, SocketHelpers } from './types';

// The ack discipline on its own: a real Socket.IO server with one stand-in handler, so
// the test does not depend on which events the product implements.
const handled: unknown[] = [];
const registrationErrors: unknown[] = [];
let io: ChatServer;
let url: string;
const sockets: ChatClientSocket[] = [];

beforeAll(async () => {
  const httpServer = createServer();
  io = new Server(httpServer);
  io.use((socket, next) => {
    socket.data = { userId: 'u1', sessionId: 's1', tokenExp: 0 };
    next();
  });
  io.on('connection', (socket) => {
    const helpers: SocketHelpers = createSocketHelpers(socket, createLogger('silent'));
    helpers.on('typing', (payload) => {
      handled.push(payload);
      if (payload.conversationId === 'forbidden') throw new ApiError('forbidden');
      if (payload.conversationId === 'crash') throw new Error('database exploded at /var/x');
      return {};
    });
    try {
      helpers.on('typing', () => ({}));
    } catch (err) {
      registrationErrors.push(err);
    }
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await io.close();
});

async function connect() {
  const socket = await connectSocket(url, 'unused');
  sockets.push(socket);
  return socket;
}

describe('client event handlers', () => {
  test('validate the payload before the handler runs', async () => {
    const socket = await connect();
    handled.length = 0;
    for (const payload of [
      undefined,
      null,
      'text',
      { conversationId: 'c' },
      { conversationId: { $gt: '' }, typing: true },
      { conversationId: 'c', typing: 'yes' },
    ]) {
      const ack = await emitWithAck(socket, 'typing', payload);
      expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(handled).toEqual([]);
    expect(await emitWithAck(socket, 'typing', { conversationId: 'c', typing: true })).toEqual({
      ok: true,
    });
    expect(handled).toEqual([{ conversationId: 'c', typing: true }]);
  });

  test('turn thrown errors into error acks; internal ones say nothing about internals', async () => {
    const socket = await connect();
    expect(
      await emitWithAck(socket, 'typing', { conversationId: 'forbidden', typing: true }),
    ).toEqual({ ok: false, error: { code: 'forbidden', message: 'This action is not allowed.' } });
    expect(await emitWithAck(socket, 'typing', { conversationId: 'crash', typing: true })).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Something went wrong on our side.' },
    });
  });

  test('tolerate a missing ack callback or payload', async () => {
    const socket = await connect();
    handled.length = 0;
    const untyped = socket as unknown as { emit(event: string, ...args: unknown[]): void };
    untyped.emit('typing', { conversationId: 'no-ack', typing: true }, undefined);
    untyped.emit('typing', { conversationId: 'no-ack-2', typing: false });
    untyped.emit('typing');
    expect(await emitWithAck(socket, 'typing', { conversationId: 'after', typing: true })).toEqual({
      ok: true,
    });
    expect(handled).toContainEqual({ conversationId: 'no-ack-2', typing: false });
    expect(socket.connected).toBe(true);
  });

  test('refuse a second handler for the same event on one socket', () => {
    expect(registrationErrors.length).toBeGreaterThan(0);
    expect(String(registrationErrors[0])).toContain('registered twice');
  });
});
