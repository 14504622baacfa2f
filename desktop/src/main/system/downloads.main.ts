import { basename } from 'node:path';
import type { AttachmentBytes, Result } from '../../shared/bridge';

/** What saving an attachment needs; Electron's dialog and fs in the app, fakes in tests. */
export interface DownloadDeps {
  /** The save dialog, opened at `defaultName` in the downloads folder; null if cancelled. */
  chooseFile(defaultName: string): Promise<string | null>;
  /** The bytes, fetched by the core with the session (the token never leaves main). */
  fetchBytes(attachmentId: string): Promise<Result<AttachmentBytes>>;
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
}

export type SaveOutcome = { saved: true; path: string } | { saved: false };

/**
 * A name that is safe as a default file name on every platform: no folders, no reserved
 * characters, not empty, not a dot file by accident.
 */
export function safeFileName(name: string): string {
  const cleaned = basename(name.replaceAll('\\', '/'))
    .replace(/[<>:"/\\|?*]/gu, '_')
    // Control characters (C0 and DEL) have no place in a file name.
    .replace(/\p{Cc}/gu, '_')
    .replace(/^[.\s]+/u, '')
    .trim()
    .slice(0, 200);
  return cleaned === '' ? 'download' : cleaned;
}

/**
 * Saves an attachment where the user chooses: the dialog first (nothing is fetched if
 * they cancel), then the bytes through the core, then the file. Resolves with where it
 * went, or rejects with the fetch's error.
 */
export function createAttachmentSaver(deps: DownloadDeps) {
  return async (attachmentId: string, name: string): Promise<Result<SaveOutcome>> => {
    const path = await deps.chooseFile(safeFileName(name));
    if (path === null) return { ok: true, value: { saved: false } };
    const bytes = await deps.fetchBytes(attachmentId);
    if (!bytes.ok) return bytes;
    await deps.writeFile(path, bytes.value.bytes);
    return { ok: true, value: { saved: true, path } };
  };
}
