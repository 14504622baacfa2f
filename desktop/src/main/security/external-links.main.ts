import { safeExternalUrl } from '../../shared/external-url';

export { safeExternalUrl };

export interface ExternalOpener {
  openExternal(url: string): Promise<void>;
}

/** Opens `raw` in the user's browser if it is safe; returns whether it did. */
export async function openExternalSafely(shell: ExternalOpener, raw: unknown): Promise<boolean> {
  const url = safeExternalUrl(raw);
  if (!url) return false;
  // The normalised href, not the raw string: what was checked is what is opened.
  await shell.openExternal(url.href);
  return true;
}
