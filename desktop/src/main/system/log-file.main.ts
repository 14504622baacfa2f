import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export interface RotatingLogOptions {
  /** The app's log folder (`app.getPath('logs')`). */
  dir: string;
  /** File name of the current log. */
  name?: string;
  /** The current file is rotated before it would pass this size. */
  maxBytes?: number;
  /** Rotated files kept beside it (`main.1.log` newest … `main.N.log` oldest). */
  keep?: number;
}

export interface RotatingLog {
  readonly file: string;
  write(line: string): void;
}

/**
 * The main process's log file: one line per entry, rotated by size so it never grows
 * without bound (`main.log`, then `main.1.log` … `main.3.log`, 1 MiB each by default).
 * Writes are synchronous (the main process logs rarely) and never throw: a full disk or a
 * removed folder must not take the app down with it.
 */
export function createRotatingLog(options: RotatingLogOptions): RotatingLog {
  const name = options.name ?? 'main.log';
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const keep = Math.max(1, options.keep ?? 3);
  const file = path.join(options.dir, name);
  const ext = path.extname(name);
  const base = name.slice(0, name.length - ext.length);
  const rotated = (n: number) => path.join(options.dir, `${base}.${n}${ext}`);

  function rotate(): void {
    rmSync(rotated(keep), { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      if (existsSync(rotated(n))) renameSync(rotated(n), rotated(n + 1));
    }
    renameSync(file, rotated(1));
  }

  return {
    file,
    write(line) {
      const entry = `${line.replace(/\n(?!$)/g, '\n  ')}\n`;
      try {
        mkdirSync(options.dir, { recursive: true });
        const size = existsSync(file) ? statSync(file).size : 0;
        if (size > 0 && size + Buffer.byteLength(entry) > maxBytes) rotate();
        appendFileSync(file, entry, { mode: 0o600 });
      } catch {
        // Logging is best effort.
      }
    },
  };
}
