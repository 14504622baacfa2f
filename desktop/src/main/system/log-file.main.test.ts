import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRotatingLog } from './log-file.main';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'chat-logs-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the main process log file', () => {
  it('appends lines, indenting the continuation lines of one entry', () => {
    const log = createRotatingLog({ dir: path.join(dir, 'logs') });
    log.write('first');
    log.write('second\nwith a stack');
    expect(readFileSync(log.file, 'utf8')).toBe('first\nsecond\n  with a stack\n');
  });

  it('rotates by size and keeps only the newest files', () => {
    const log = createRotatingLog({ dir, maxBytes: 100, keep: 2 });
    for (let i = 0; i < 20; i++) log.write(`line ${String(i).padStart(2, '0')} ${'x'.repeat(30)}`);
    expect(readdirSync(dir).sort()).toEqual(['main.1.log', 'main.2.log', 'main.log']);
    for (const name of readdirSync(dir)) {
      expect(readFileSync(path.join(dir, name)).length).toBeLessThanOrEqual(100);
    }
    // The newest entry is in main.log, the ones before it in main.1.log, then main.2.log.
    expect(readFileSync(path.join(dir, 'main.log'), 'utf8')).toContain('line 19');
    expect(readFileSync(path.join(dir, 'main.1.log'), 'utf8')).toContain('line 17');
    expect(readFileSync(path.join(dir, 'main.2.log'), 'utf8')).toContain('line 15');
  });

  it('never throws, even when the folder cannot be made', () => {
    // A file where a parent folder should be: every write fails with ENOTDIR.
    writeFileSync(path.join(dir, 'a-file'), '');
    const blocked = createRotatingLog({ dir: path.join(dir, 'a-file', 'logs') });
    expect(() => blocked.write('lost')).not.toThrow();
  });
});
