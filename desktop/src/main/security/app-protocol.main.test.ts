import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAppProtocolHandler, isAppUrl, resolveAppFile } from './app-protocol.main';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_HEADER } from './csp.main';

const root = path.resolve('/opt/chat/renderer');

describe('app protocol', () => {
  it('serves files from the renderer folder', () => {
    expect(resolveAppFile(root, 'app://chat/index.html')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://chat/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://chat/assets/main-abc.js?x=1')).toBe(
      path.join(root, 'assets', 'main-abc.js'),
    );
  });

  it.each([
    'app://chat/..%2f..%2fetc%2fpasswd',
    'app://chat/assets/%00.js',
    'app://other/index.html',
    'file:///etc/passwd',
    'https://chat/index.html',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });

  it('keeps dot-dot segments inside the folder', () => {
    for (const url of ['app://chat/%2e%2e/%2e%2e/etc/passwd', 'app://chat/../../etc/passwd']) {
      const file = resolveAppFile(root, url);
      expect(file?.startsWith(root + path.sep)).toBe(true);
    }
  });

  it('knows its own pages', () => {
    expect(isAppUrl('app://chat/index.html')).toBe(true);
    expect(isAppUrl('app://chat.evil/index.html')).toBe(false);
    expect(isAppUrl('file:///index.html')).toBe(false);
    expect(isAppUrl('garbage')).toBe(false);
  });
});

describe('content security policy', () => {
  it('is the strict policy: no remote code, no network from the renderer', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';').map((part) => {
        const [name = '', ...values] = part.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('img-src')).toBe("'self' data: blob:");
    expect(directives.get('connect-src')).toBe("'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
    expect(CONTENT_SECURITY_POLICY_HEADER).toContain("frame-ancestors 'none'");
  });
});

describe('app protocol handler', () => {
  const files = new Map<string, string>([
    [path.join(root, 'index.html'), '<!doctype html><title>Chat</title>'],
    [path.join(root, 'assets', 'main.js'), 'console.log(1)'],
  ]);
  const handler = createAppProtocolHandler({
    rootDir: root,
    readFile: (file) => {
      const text = files.get(file);
      return text === undefined
        ? Promise.reject(new Error('ENOENT'))
        : Promise.resolve(new TextEncoder().encode(text));
    },
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER },
  });

  it('serves a script with a JavaScript type and the CSP header', async () => {
    const response = await handler({ url: 'app://chat/assets/main.js' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY_HEADER);
    expect(await response.text()).toBe('console.log(1)');
  });

  it('answers client-side routes with the app shell', async () => {
    const response = await handler({ url: 'app://chat/conversations/abc' });
    expect(await response.text()).toContain('<title>Chat</title>');
  });

  it('is a 404 for a missing file or a path outside the folder, with the CSP header', async () => {
    for (const url of ['app://chat/assets/nope.js', 'app://chat/..%2fsecret.txt']) {
      const response = await handler({ url });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY_HEADER);
    }
  });

  it('refuses writes', async () => {
    expect((await handler({ url: 'app://chat/index.html', method: 'POST' })).status).toBe(405);
  });
});
