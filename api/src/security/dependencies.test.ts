import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface LockfilePackage {
  version?: string;
  link?: boolean;
}

interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockfilePackage>;
}

/**
 * Floors for packages with known advisories on the real-time path. Each is the first
 * release with the fix:
 * - ws 8.17.1: a request with many HTTP headers crashes the server (CVE-2024-37890).
 * - socket.io-parser 4.2.6: crafted packets with attachments exhaust memory / crash.
 * - engine.io 6.6: the release line with the fixed upgrade and payload handling that
 *   socket.io 4.8 expects.
 */
const FLOORS: Record<string, string> = {
  ws: '8.17.1',
  'socket.io-parser': '4.2.6',
  'engine.io': '6.6.0',
};

function compareVersions(a: string, b: string): number {
  const parse = (v: string) => v.split(/[-+]/)[0]?.split('.').map(Number) ?? [];
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function copiesOf(lock: Lockfile, name: string): { path: string; version: string }[] {
  const suffix = `node_modules/${name}`;
  return Object.entries(lock.packages)
    .filter(([path, entry]) => (path === suffix || path.endsWith(`/${suffix}`)) && !entry.link)
    .map(([path, entry]) => ({ path, version: entry.version ?? '0.0.0' }));
}

const lock = JSON.parse(readFileSync(resolve(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;

describe('package-lock.json', () => {
  test('is a v3 lockfile, so every installed copy is listed under packages', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(3);
  });

  test.each(Object.entries(FLOORS))('every copy of %s is at least %s', (name, floor) => {
    const copies = copiesOf(lock, name);
    // The real-time stack depends on each of these; none missing means the check is real.
    expect(copies.length).toBeGreaterThan(0);
    const tooOld = copies.filter((copy) => compareVersions(copy.version, floor) < 0);
    expect(tooOld).toEqual([]);
  });

  test('the version comparison orders versions numerically, not as text', () => {
    expect(compareVersions('8.9.0', '8.17.1')).toBeLessThan(0);
    expect(compareVersions('8.17.1', '8.17.1')).toBe(0);
    expect(compareVersions('4.2.10', '4.2.6')).toBeGreaterThan(0);
    expect(compareVersions('6.6.0-rc.1', '6.5.9')).toBeGreaterThan(0);
  });
});
