/**
 * The only way a URL leaves the app for the user's browser. Anything that is not a plain
 * http(s) link is refused: `file:` opens local programs/documents, `javascript:`/`data:`
 * run code, custom schemes launch other apps with attacker-chosen arguments, and
 * credentials in the URL are a phishing tell (`https://bank.com@evil.example`).
 */
export function safeExternalUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.hostname === '') return null;
  return url;
}

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
