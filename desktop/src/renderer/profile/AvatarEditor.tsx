import { useEffect, useId, useRef, useState } from 'react';
import type { AvatarSource } from '../ui/avatar-url';
import { Avatar } from '../ui/Avatar';
import { PRIMARY_BUTTON, SECONDARY_BUTTON } from '../ui/buttons';

export interface AvatarEditorProps {
  /** Whose avatar (a user's or a group's id) and the name for the initials. */
  id: string;
  name: string;
  /** The avatar there is now, if any. */
  current: AvatarSource | null;
  /**
   * Stores the change: an uploaded image's attachment id, or null to remove the avatar.
   * Resolves with an error to show, or null when it was saved.
   */
  save: (attachmentId: string | null) => Promise<string | null>;
}

/**
 * Pick an image, see it, save it as the avatar; or remove the avatar. Self-contained (it
 * uploads through `window.chat` and saves through `save`), so it can sit in any dialog or
 * settings page: the profile, a group's settings.
 */
export function AvatarEditor({ id, name, current, save }: AvatarEditorProps) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (picked === null) {
      setPreview(null);
      return;
    }
    const url = URL.createObjectURL(picked);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [picked]);

  const run = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    const failure = await work();
    setBusy(false);
    if (failure !== null) setError(failure);
    else {
      setPicked(null);
      if (input.current) input.current.value = '';
    }
  };

  const upload = () =>
    run(async () => {
      if (picked === null) return null;
      const bytes = new Uint8Array(await picked.arrayBuffer());
      const uploaded = await window.chat.uploadFile({ name: picked.name || 'avatar', bytes });
      if (!uploaded.ok) return uploaded.error.message;
      if (uploaded.value.width === null) return 'That file is not an image we can show.';
      return save(uploaded.value.id);
    });

  return (
    <div data-testid="avatar-editor" className="flex flex-col items-center gap-3">
      {preview !== null ? (
        <img
          data-testid="avatar-preview"
          src={preview}
          alt="The new picture"
          className="size-24 rounded-full object-cover"
        />
      ) : (
        <Avatar id={id} name={name} size="xl" picture={current} />
      )}
      <label htmlFor={inputId} className={SECONDARY_BUTTON}>
        {current === null ? 'Choose a picture…' : 'Choose another picture…'}
      </label>
      <input
        id={inputId}
        ref={input}
        type="file"
        accept="image/*"
        className="sr-only"
        disabled={busy}
        onChange={(event) => setPicked(event.target.files?.[0] ?? null)}
      />
      <div className="flex gap-2">
        {picked !== null && (
          <button
            type="button"
            className={PRIMARY_BUTTON}
            disabled={busy}
            onClick={() => void upload()}
          >
            {busy ? 'Saving…' : 'Save picture'}
          </button>
        )}
        {picked !== null && (
          <button
            type="button"
            className={SECONDARY_BUTTON}
            disabled={busy}
            onClick={() => setPicked(null)}
          >
            Cancel
          </button>
        )}
        {picked === null && current !== null && (
          <button
            type="button"
            className={SECONDARY_BUTTON}
            disabled={busy}
            onClick={() => void run(() => save(null))}
          >
            Remove picture
          </button>
        )}
      </div>
      {error !== null && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}
