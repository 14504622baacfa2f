import { describe, expect, it } from 'vitest';
import { cleanFileName } from './multipart';
import { BoundedQueue } from './queue';
import { parseRange } from './range';
import { contentDisposition, withExtension } from './service';

describe('parseRange', () => {
  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=5-', { start: 5, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-500', { start: 0, end: 99 }],
    ['bytes=90-500', { start: 90, end: 99 }],
    ['BYTES = 1 - 2', { start: 1, end: 2 }],
  ])('reads %s of 100 bytes', (header, range) => {
    expect(parseRange(header, 100)).toEqual(range);
  });

  it.each(['bytes=100-', 'bytes=100-200', 'bytes=-0'])(
    'calls %s of 100 bytes unsatisfiable',
    (header) => {
      expect(parseRange(header, 100)).toBe('unsatisfiable');
    },
  );

  it.each([
    undefined,
    '',
    'bytes=',
    'bytes=-',
    'bytes=5-2',
    'items=0-1',
    'bytes=0-1,4-5',
    'bytes=a-b',
  ])('answers %s with the whole file', (header) => {
    expect(parseRange(header, 100)).toBeNull();
  });
});

describe('file names', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\report.pdf', 'report.pdf'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['line\nbreak.txt', 'linebreak.txt'],
    ['', 'file'],
    [undefined, 'file'],
    ['..', 'file'],
    ['  spaced.txt  ', 'spaced.txt'],
  ])('cleans %j to %j', (raw, clean) => {
    expect(cleanFileName(raw)).toBe(clean);
  });

  it('cuts a long name at 255 characters without splitting one', () => {
    const name = cleanFileName(`${'👍🏽'.repeat(300)}.txt`);
    expect(name).toBe('👍🏽'.repeat(255));
  });

  it('names the format of a re-encoded image', () => {
    expect(withExtension('holiday.JPG', 'webp')).toBe('holiday.webp');
    expect(withExtension('archive.tar.gz', 'webp')).toBe('archive.tar.webp');
    expect(withExtension('.hidden', 'webp')).toBe('.hidden.webp');
    expect(withExtension('noext', 'webp')).toBe('noext.webp');
  });

  it('writes Content-Disposition with an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('attachment', 'Résumé "final".pdf')).toBe(
      `attachment; filename="R_sum_ _final_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
    expect(contentDisposition('inline', "it's (1).webp")).toBe(
      `inline; filename="it's (1).webp"; filename*=UTF-8''it%27s%20%281%29.webp`,
    );
  });
});

describe('BoundedQueue', () => {
  it('runs at most `concurrency` jobs, queues `waitingMax` more and refuses the next with 429', async () => {
    const queue = new BoundedQueue(2, 1);
    const releases: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const job = () =>
      queue.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      });
    const jobs = [job(), job(), job()];
    await Promise.resolve();
    expect(queue.running).toBe(2);
    expect(queue.queued).toBe(1);
    expect(queue.full).toBe(true);
    await expect(job()).rejects.toMatchObject({ code: 'rate_limited', status: 429 });

    while (releases.length > 0 || running > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(jobs);
    expect(most).toBe(2);
    expect(queue.running).toBe(0);
    expect(queue.full).toBe(false);
  });

  it('frees the slot of a job that fails', async () => {
    const queue = new BoundedQueue(1, 0);
    await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
