import { useCallback, useEffect, useRef, useState } from 'react';
import { UPLOAD_LIMITS, type Attachment } from '@chat/protocol';
import { fileSize } from '../conversation/Attachments';

/** A file picked for the next message: uploading, uploaded, or failed (retry keeps it). */
export interface PendingFile {
  key: string;
  name: string;
  size: number;
  file: File;
  status: 'uploading' | 'done' | 'failed';
  attachment: Attachment | null;
  error: string | null;
  /** Share of the upload sent so far, 0 to 1 (while uploading). */
  progress: number;
  /** Names this upload's progress events and its cancelling; new at every attempt. */
  uploadId: string;
  /** Failed for the connection (not for what the file is): tried again by itself. */
  retryable?: boolean;
}

/** Failures of the link rather than of the file: worth trying again without asking. */
const RETRYABLE: ReadonlySet<string> = new Set(['network', 'offline', 'timeout', 'rate_limited']);
/** The pause before a connection failure is tried again (doubling, up to the last). */
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * The files of the message being written. Each is uploaded as soon as it is picked, so
 * sending only names them; a failed upload stays in the strip with Retry, and the typed
 * text is never touched.
 */
export function usePendingFiles() {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const counter = useRef(0);
  // Unique across the composers of this window (each conversation has one).
  const prefix = useRef(`u${Math.random().toString(36).slice(2, 10)}`);

  const update = (key: string, change: Partial<PendingFile>) =>
    setFiles((current) => current.map((f) => (f.key === key ? { ...f, ...change } : f)));

  // The progress bars follow the uploads' progress events.
  useEffect(
    () =>
      window.chat.onEvent((event) => {
        if (event.type !== 'upload-progress' || !event.uploadId.startsWith(prefix.current)) {
          return;
        }
        const progress = event.total > 0 ? Math.min(1, event.sent / event.total) : 0;
        setFiles((current) =>
          current.map((f) =>
            f.uploadId === event.uploadId && f.status === 'uploading' ? { ...f, progress } : f,
          ),
        );
      }),
    [],
  );

  const upload = useCallback(async (key: string, file: File) => {
    const uploadId = `${prefix.current}-${key}-${++counter.current}`;
    update(key, { status: 'uploading', error: null, progress: 0, uploadId });
    const bytes = new Uint8Array(await file.arrayBuffer());
    const result = await window.chat.uploadFile({ name: file.name || 'file', bytes, uploadId });
    // A removed (cancelled) file is gone from the list: these change nothing then.
    if (result.ok) update(key, { status: 'done', attachment: result.value, progress: 1 });
    else if (result.error.code !== 'cancelled') {
      update(key, {
        status: 'failed',
        error: result.error.message,
        retryable: RETRYABLE.has(result.error.code),
      });
    }
  }, []);

  // A file whose upload the connection broke is uploaded again by itself: after a pause
  // that grows with each attempt, and at once when the connection is back. The message
  // waits for it (`ready`) and is sent once, through the outbox, when every file is there.
  const attempts = useRef(new Map<string, number>());
  const filesRef = useRef(files);
  filesRef.current = files;
  const retryNow = useCallback(
    (key: string) => {
      const file = filesRef.current.find((f) => f.key === key);
      if (file?.status !== 'failed' || file.retryable !== true) return;
      attempts.current.set(key, (attempts.current.get(key) ?? 0) + 1);
      void upload(key, file.file);
    },
    [upload],
  );
  useEffect(() => {
    const timers = files
      .filter((f) => f.status === 'failed' && f.retryable === true)
      .map((f) => {
        const attempt = attempts.current.get(f.key) ?? 0;
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)] ?? 30_000;
        return setTimeout(() => retryNow(f.key), delay);
      });
    return () => timers.forEach(clearTimeout);
  }, [files, retryNow]);
  useEffect(
    () =>
      window.chat.onEvent((event) => {
        if (event.type !== 'connection' || event.status !== 'online') return;
        for (const f of filesRef.current) retryNow(f.key);
      }),
    [retryNow],
  );

  const add = useCallback(
    (picked: readonly File[]) => {
      const room = UPLOAD_LIMITS.attachmentsPerMessageMax;
      const fresh = picked.map((file) => ({
        key: `f${++counter.current}`,
        name: file.name || 'file',
        size: file.size,
        file,
        status: 'uploading' as const,
        attachment: null,
        error: null,
        progress: 0,
        uploadId: '',
      }));
      setFiles((current) => [...current, ...fresh].slice(0, room));
      for (const f of fresh) void upload(f.key, f.file);
    },
    [upload],
  );

  return {
    files,
    add,
    /** Takes a file out of the message; one still uploading is cancelled. */
    remove: (key: string) => {
      const file = files.find((f) => f.key === key);
      if (file?.status === 'uploading' && file.uploadId !== '') {
        void window.chat.cancelUpload({ uploadId: file.uploadId });
      }
      setFiles((current) => current.filter((f) => f.key !== key));
    },
    retry: (key: string) => {
      const file = files.find((f) => f.key === key);
      if (file) void upload(key, file.file);
    },
    clear: () => {
      for (const f of files) {
        if (f.status === 'uploading' && f.uploadId !== '') {
          void window.chat.cancelUpload({ uploadId: f.uploadId });
        }
      }
      setFiles([]);
    },
    /** Every file uploaded: what a send carries. */
    ready: files.every((f) => f.status === 'done'),
    attachments: files.flatMap((f) => (f.attachment ? [f.attachment] : [])),
  };
}

/** The strip of picked files above the field, each with its state and a remove button. */
export function PendingFilesStrip({
  files,
  onRemove,
  onRetry,
}: {
  files: readonly PendingFile[];
  onRemove: (key: string) => void;
  onRetry: (key: string) => void;
}) {
  if (files.length === 0) return null;
  return (
    <ul aria-label="Files to send" className="mb-2 flex flex-wrap gap-2">
      {files.map((f) => (
        <li
          key={f.key}
          data-testid="pending-file"
          data-status={f.status}
          className="flex items-center gap-2 rounded-lg border border-zinc-300 bg-zinc-50 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-800"
        >
          <span className="max-w-48 truncate">{f.name}</span>
          {f.status === 'uploading' ? (
            <span
              role="progressbar"
              aria-label={`Uploading ${f.name}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(f.progress * 100)}
              data-testid="upload-progress"
              className="h-1.5 w-20 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700"
            >
              <span
                className="block h-full bg-blue-600 transition-[width] dark:bg-blue-400"
                style={{ width: `${Math.round(f.progress * 100)}%` }}
              />
            </span>
          ) : (
            <span className="text-xs text-zinc-600 dark:text-zinc-400">
              {f.status === 'failed' ? `Failed${f.error ? `: ${f.error}` : ''}` : fileSize(f.size)}
            </span>
          )}
          {f.status === 'failed' && (
            <button
              type="button"
              onClick={() => onRetry(f.key)}
              className="rounded px-1 font-semibold text-blue-600 dark:text-blue-400"
            >
              Retry
            </button>
          )}
          <button
            type="button"
            aria-label={
              f.status === 'uploading' ? `Cancel upload of ${f.name}` : `Remove ${f.name}`
            }
            onClick={() => onRemove(f.key)}
            className="rounded px-1 text-zinc-600 hover:bg-zinc-200 dark:text-zinc-400 dark:hover:bg-zinc-700"
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
