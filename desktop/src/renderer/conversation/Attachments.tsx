import { useEffect, useState } from 'react';
import type { Attachment } from '@chat/protocol';
import { Dialog } from '../ui/Dialog';

/** `1.2 MB`, `340 KB`, `12 B`. */
export function fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/**
 * A blob URL of an attachment's bytes. The core fetches them with the session's token (an
 * `<img src>` could not send it, and the renderer never holds it); the URL is revoked when
 * the component goes.
 */
function useAttachmentUrl(id: string, thumbnail: boolean, enabled = true): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    let made: string | null = null;
    void window.chat.attachmentBytes({ attachmentId: id, thumbnail }).then((result) => {
      if (!live || !result.ok) return;
      made = URL.createObjectURL(
        new Blob([result.value.bytes as Uint8Array<ArrayBuffer>], {
          type: result.value.contentType,
        }),
      );
      setUrl(made);
    });
    return () => {
      live = false;
      if (made !== null) URL.revokeObjectURL(made);
    };
  }, [id, thumbnail, enabled]);
  return url;
}

/** The size a thumbnail takes, reserved before it loads so the list does not jump. */
function thumbnailBox(attachment: Attachment): { width: number; height: number } {
  const w = attachment.width ?? 240;
  const h = attachment.height ?? 240;
  const scale = Math.min(1, 240 / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

function ImageThumbnail({ attachment, onOpen }: { attachment: Attachment; onOpen: () => void }) {
  const thumb = useAttachmentUrl(attachment.id, attachment.thumbnail);
  const box = thumbnailBox(attachment);
  return (
    <button
      type="button"
      onClick={onOpen}
      aria-label={`Open ${attachment.name}`}
      className="block overflow-hidden rounded-xl bg-zinc-200 dark:bg-zinc-700"
      style={box}
    >
      {thumb && (
        <img
          data-testid="attachment-thumbnail"
          src={thumb}
          alt={attachment.name}
          width={box.width}
          height={box.height}
          className="size-full object-cover"
        />
      )}
    </button>
  );
}

const NAV_BUTTON =
  'rounded px-3 py-1 text-sm font-semibold text-blue-600 hover:bg-blue-50 disabled:opacity-40 dark:text-blue-400 dark:hover:bg-blue-950';

/**
 * The full-size viewer of a message's images: Left and Right arrow keys (or the buttons)
 * go through them, Escape closes (the dialog's own), focus returns to the thumbnail.
 */
function Lightbox({
  open,
  images,
  index,
  onIndex,
  onClose,
}: {
  open: boolean;
  images: readonly Attachment[];
  index: number;
  onIndex: (index: number) => void;
  onClose: () => void;
}) {
  const current = images[index];
  const full = useAttachmentUrl(current?.id ?? '', false, open && current !== undefined);
  const count = images.length;
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'ArrowLeft' && index > 0) onIndex(index - 1);
      else if (event.key === 'ArrowRight' && index < count - 1) onIndex(index + 1);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, index, count, onIndex]);
  if (current === undefined) return null;
  // Kept mounted while closed, so the native dialog gives focus back to the thumbnail.
  return (
    <Dialog open={open} title={current.name} onClose={onClose}>
      {full ? (
        <img
          data-testid="attachment-full"
          src={full}
          alt={current.name}
          className="max-h-[75vh] max-w-full"
        />
      ) : (
        <p>Loading…</p>
      )}
      {count > 1 && (
        <div className="mt-3 flex items-center justify-between gap-3">
          <button
            type="button"
            className={NAV_BUTTON}
            disabled={index === 0}
            onClick={() => onIndex(index - 1)}
          >
            ← Previous
          </button>
          <span role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
            {index + 1} of {count}
          </span>
          <button
            type="button"
            className={NAV_BUTTON}
            disabled={index === count - 1}
            onClick={() => onIndex(index + 1)}
          >
            Next →
          </button>
        </div>
      )}
    </Dialog>
  );
}

function FileAttachment({ attachment }: { attachment: Attachment }) {
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    // Electron: a save dialog, the main process fetching and writing the file; the
    // browser: its own download.
    await window.chat.saveAttachment({ attachmentId: attachment.id, name: attachment.name });
    setBusy(false);
  };
  return (
    <div
      data-testid="attachment-file"
      className="flex items-center gap-3 rounded-xl border border-zinc-300 bg-white px-3 py-2 text-zinc-900 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-100"
    >
      <span aria-hidden="true">📄</span>
      <span className="min-w-0">
        <span className="block truncate text-sm font-medium">{attachment.name}</span>
        <span className="block text-xs text-zinc-600 dark:text-zinc-400">
          {fileSize(attachment.size)}
        </span>
      </span>
      <button
        type="button"
        disabled={busy}
        onClick={() => void download()}
        aria-label={`Download ${attachment.name}`}
        className="rounded px-2 py-1 text-sm font-semibold text-blue-600 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950"
      >
        Download
      </button>
    </div>
  );
}

/** A message's files: images as thumbnails (click for the viewer), others as cards. */
export function MessageAttachments({ attachments }: { attachments: readonly Attachment[] }) {
  const [viewing, setViewing] = useState<number | null>(null);
  if (attachments.length === 0) return null;
  const isImage = (a: Attachment) => a.width !== null && a.thumbnail;
  const images = attachments.filter(isImage);
  return (
    <div data-testid="message-attachments" className="mb-1 flex flex-col gap-1">
      {attachments.map((a) =>
        isImage(a) ? (
          <ImageThumbnail key={a.id} attachment={a} onOpen={() => setViewing(images.indexOf(a))} />
        ) : (
          <FileAttachment key={a.id} attachment={a} />
        ),
      )}
      {images.length > 0 && (
        <Lightbox
          open={viewing !== null}
          images={images}
          index={viewing ?? 0}
          onIndex={setViewing}
          onClose={() => setViewing(null)}
        />
      )}
    </div>
  );
}
