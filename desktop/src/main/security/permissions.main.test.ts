import { describe, expect, it } from 'vitest';
import { isAppUrl } from './app-protocol.main';
import { installPermissionHandlers, isPermissionAllowed } from './permissions.main';
import type { PermissionSession } from './permissions.main';

describe('permissions', () => {
  it('allows notifications for our own page only', () => {
    expect(isPermissionAllowed('notifications', 'app://chat/index.html', isAppUrl)).toBe(true);
    expect(isPermissionAllowed('notifications', 'https://evil.example/', isAppUrl)).toBe(false);
  });

  it.each(['media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'usb'])(
    'refuses %s',
    (permission) => {
      expect(isPermissionAllowed(permission, 'app://chat/index.html', isAppUrl)).toBe(false);
    },
  );

  it('wires both the request and the check handler', () => {
    type RequestHandler = Parameters<PermissionSession['setPermissionRequestHandler']>[0];
    type CheckHandler = Parameters<PermissionSession['setPermissionCheckHandler']>[0];
    let request: RequestHandler | undefined;
    let check: CheckHandler | undefined;
    installPermissionHandlers(
      {
        setPermissionRequestHandler: (handler) => (request = handler),
        setPermissionCheckHandler: (handler) => (check = handler),
      },
      isAppUrl,
    );
    const answers: boolean[] = [];
    request?.(null, 'notifications', (granted) => answers.push(granted), {
      requestingUrl: 'app://chat/index.html',
    });
    request?.(null, 'media', (granted) => answers.push(granted), {
      requestingUrl: 'app://chat/index.html',
    });
    expect(answers).toEqual([true, false]);
    expect(check?.(null, 'notifications', 'app://chat', {})).toBe(true);
    expect(check?.(null, 'geolocation', 'app://chat', {})).toBe(false);
  });
});
