import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientAddressResolver } from './client-address';

function request(remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  const socket = new Socket();
  // A socket that never connected, or closed, has no address: Node answers `undefined`.
  Object.defineProperty(socket, 'remoteAddress', { value: remoteAddress });
  const req = new IncomingMessage(socket);
  if (forwardedFor !== undefined) req.headers['x-forwarded-for'] = forwardedFor;
  return req;
}

describe('the client address', () => {
  it('is the peer, with IPv4-mapped IPv6 spelled as IPv4', () => {
    const of = clientAddressResolver([]);
    expect(of(request('::ffff:10.0.0.7'))).toBe('10.0.0.7');
    expect(of(request('2001:db8::1'))).toBe('2001:db8::1');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddressResolver([])(request('10.0.0.7', '1.2.3.4'))).toBe('10.0.0.7');
    expect(clientAddressResolver(['loopback'])(request('127.0.0.1', '1.2.3.4'))).toBe('1.2.3.4');
  });

  it('is "unknown", not a crash, for a socket that closed before it was asked', () => {
    expect(clientAddressResolver([])(request(undefined))).toBe('unknown');
    expect(clientAddressResolver(['loopback'])(request(undefined, '1.2.3.4'))).toBe('unknown');
  });
});
