import { describe, expect, it, vi } from 'vitest';
import { openExternalSafely, safeExternalUrl } from './external-links.main';

describe('safeExternalUrl', () => {
  it.each([
    'https://example.com/a?b=c#d',
    'http://example.com',
    'HTTPS://Example.COM/x',
    'mailto:someone@example.com',
  ])('allows the web link %s', (url) => {
    expect(safeExternalUrl(url)).not.toBeNull();
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    'ms-msdt:/id PCWDiagnostic',
    'smb://attacker/share',
    'app://chat/index.html',
    'mailto:someone@example.com?attach=/etc/passwd',
    'mailto:someone@example.com?body=hi',
    'mailto:a@example.com,b@example.com',
    'mailto:someone@example.com#x',
    'mailto:not-an-address',
    'https://user:pass@example.com/',
    'https://bank.example@evil.example/',
    'not a url',
    '',
  ])('refuses %s', (url) => {
    expect(safeExternalUrl(url)).toBeNull();
  });

  it('refuses what is not a string', () => {
    expect(safeExternalUrl({ toString: () => 'https://example.com' })).toBeNull();
    expect(safeExternalUrl(undefined)).toBeNull();
  });
});

describe('openExternalSafely', () => {
  it('opens the normalised https URL', async () => {
    const shell = { openExternal: vi.fn(() => Promise.resolve()) };
    await expect(openExternalSafely(shell, 'https://Example.com/a b')).resolves.toBe(true);
    expect(shell.openExternal).toHaveBeenCalledWith('https://example.com/a%20b');
  });

  it('never calls the shell for a refused URL', async () => {
    const shell = { openExternal: vi.fn(() => Promise.resolve()) };
    await expect(openExternalSafely(shell, 'file:///C:/Windows/system32/calc.exe')).resolves.toBe(
      false,
    );
    expect(shell.openExternal).not.toHaveBeenCalled();
  });
});
