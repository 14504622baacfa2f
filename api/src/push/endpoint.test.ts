import { describe, expect, test } from 'vitest';
import { checkEndpoint, EndpointRefused, isNonPublicAddress } from './endpoint';
import { retryAfterMs } from './sender';

const resolveTo =
  (...addresses: string[]) =>
  (): Promise<string[]> =>
    Promise.resolve(addresses);

describe('push endpoints (no calls into our own network)', () => {
  test.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not an address',
  ])('%s is not public', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  test.each(['8.8.8.8', '142.250.74.110', '2001:4860:4860::8888'])('%s is public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  test('a public https host is accepted', async () => {
    const url = await checkEndpoint('https://fcm.googleapis.com/fcm/send/abc', {
      allowPrivate: false,
      resolve: resolveTo('142.250.74.110'),
    });
    expect(url.hostname).toBe('fcm.googleapis.com');
  });

  test.each([
    ['http: is refused', 'http://push.example/x', resolveTo('8.8.8.8'), /https:/],
    ['a loopback literal', 'https://127.0.0.1/x', resolveTo(), /loopback, private/],
    ['an IPv6 loopback literal', 'https://[::1]/x', resolveTo(), /loopback, private/],
    ['a name resolving privately', 'https://push.example/x', resolveTo('10.0.0.7'), /private/],
    [
      'a name with one private address among public ones',
      'https://push.example/x',
      resolveTo('8.8.8.8', '192.168.0.2'),
      /private/,
    ],
    ['credentials in the URL', 'https://u:p@push.example/x', resolveTo('8.8.8.8'), /credentials/],
    ['not a URL', 'push.example', resolveTo('8.8.8.8'), /not a URL/],
  ])('%s', async (_name, endpoint, resolve, message) => {
    const refused = checkEndpoint(endpoint, { allowPrivate: false, resolve });
    await expect(refused).rejects.toBeInstanceOf(EndpointRefused);
    await expect(checkEndpoint(endpoint, { allowPrivate: false, resolve })).rejects.toThrow(
      message,
    );
  });

  test('a host that does not resolve is refused', async () => {
    const failing = () => Promise.reject(new Error('ENOTFOUND'));
    await expect(
      checkEndpoint('https://nowhere.invalid/x', { allowPrivate: false, resolve: failing }),
    ).rejects.toThrow(/does not resolve/);
  });

  test('PUSH_ALLOW_PRIVATE_ENDPOINTS lets loopback http through (tests)', async () => {
    const url = await checkEndpoint('http://127.0.0.1:9/x', { allowPrivate: true });
    expect(url.port).toBe('9');
  });
});

describe('Retry-After', () => {
  test('seconds, an HTTP date, or nothing', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs(undefined)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
  });
});
