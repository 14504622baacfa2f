import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppUrl, resolveAppFile } from './app-protocol.main';
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
    expect(directives.get('img-src')).toBe("'self' data:");
    expect(directives.get('connect-src')).toBe("'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
    expect(CONTENT_SECURITY_POLICY_HEADER).toContain("frame-ancestors 'none'");
  });
});
