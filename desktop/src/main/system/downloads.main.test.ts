import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttachmentBytes, Result } from '../../shared/bridge';
import { createAttachmentSaver, safeFileName } from './downloads.main';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scene(choice: 'save' | 'cancel', fetched: Result<AttachmentBytes>) {
  const dir = mkdtempSync(join(tmpdir(), 'chat-downloads-'));
  dirs.push(dir);
  const asked: string[] = [];
  const fetchedIds: string[] = [];
  const save = createAttachmentSaver({
    chooseFile: (defaultName) => {
      asked.push(defaultName);
      return Promise.resolve(choice === 'save' ? join(dir, defaultName) : null);
    },
    fetchBytes: (id) => {
      fetchedIds.push(id);
      return Promise.resolve(fetched);
    },
    writeFile: (path, bytes) => writeFile(path, bytes),
  });
  return { dir, asked, fetchedIds, save };
}

const bytes = new Uint8Array([37, 80, 68, 70, 0, 255, 1, 2]);

describe('saving an attachment from the main process', () => {
  it('asks where, fetches through the core and writes exactly the bytes', async () => {
    const { dir, asked, fetchedIds, save } = scene('save', {
      ok: true,
      value: { contentType: 'application/pdf', bytes },
    });
    const outcome = await save('att-1', 'report.pdf');
    expect(outcome).toEqual({ ok: true, value: { saved: true, path: join(dir, 'report.pdf') } });
    expect(asked).toEqual(['report.pdf']);
    expect(fetchedIds).toEqual(['att-1']);
    expect(new Uint8Array(readFileSync(join(dir, 'report.pdf')))).toEqual(bytes);
  });

  it('fetches nothing when the dialog is cancelled', async () => {
    const { fetchedIds, save } = scene('cancel', {
      ok: true,
      value: { contentType: 'application/pdf', bytes },
    });
    expect(await save('att-1', 'report.pdf')).toEqual({ ok: true, value: { saved: false } });
    expect(fetchedIds).toEqual([]);
  });

  it('writes nothing and passes the error on when the fetch fails', async () => {
    const failure = { ok: false as const, error: { code: 'not_found' as const, message: 'gone' } };
    const { dir, save } = scene('save', failure);
    expect(await save('att-1', 'report.pdf')).toEqual(failure);
    expect(() => readFileSync(join(dir, 'report.pdf'))).toThrow();
  });

  it('offers a safe default name: no folders, no reserved characters', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Users\\x\\evil.exe')).toBe('evil.exe');
    expect(safeFileName('a<b>c:d"e|f?g*h.txt')).toBe('a_b_c_d_e_f_g_h.txt');
    expect(safeFileName('...')).toBe('download');
    expect(safeFileName('.bashrc')).toBe('bashrc');
    expect(safeFileName('résumé 2026.pdf')).toBe('résumé 2026.pdf');
  });
});
