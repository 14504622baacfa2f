/**
 * The one rule for a URL that may leave the app for the user's browser, shared by the
 * Electron main process (openExternal, navigation), the web bridge and the renderer (which
 * text becomes a link), so nothing is shown as a link that the shell would refuse to open.
 * Anything that is not a plain http(s) link is refused: `file:` opens local programs or
 * documents, `javascript:`/`data:` run code, custom schemes launch other apps with
 * attacker-chosen arguments, and credentials in the URL are a phishing tell
 * (`https://bank.com@evil.example`).
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
