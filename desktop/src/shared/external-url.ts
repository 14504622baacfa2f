/**
 * The one rule for a URL that may leave the app for the user's browser, shared by the
 * Electron main process (openExternal, navigation), the web bridge and the renderer (which
 * text becomes a link), so nothing is shown as a link that the shell would refuse to open.
 * Anything that is not a plain http(s) link (or a plain `mailto:` address) is refused: `file:` opens local programs or
 * documents, `javascript:`/`data:` run code, custom schemes launch other apps with
 * attacker-chosen arguments, and credentials in the URL are a phishing tell
 * (`https://bank.com@evil.example`).
 */
const PLAIN_EMAIL =
  /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,63}$/u;

export function safeExternalUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  // A plain `mailto:` address (no `?subject=`/`?attach=`, one recipient) only fills in the
  // "To" field of the user's mail program: an e-mail address in a message is a link.
  if (url.protocol === 'mailto:') {
    return !/[?#]/u.test(raw) && PLAIN_EMAIL.test(url.pathname) ? url : null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.hostname === '') return null;
  return url;
}
