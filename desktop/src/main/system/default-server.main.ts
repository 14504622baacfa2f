/**
 * The server the sign-in screen offers first. `npm start` runs the API on `PORT`
 * (default 4000) and opens the app with the same environment, so the app follows it;
 * `CHAT_SERVER_URL` names any other server. Anything that is not an http(s) URL is ignored.
 */
export function defaultServerUrl(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env.CHAT_SERVER_URL?.trim();
  if (explicit) {
    try {
      const url = new URL(explicit);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
    } catch {
      // Not a URL: fall through to the local API.
    }
  }
  const port = Number(env.PORT);
  const validPort = Number.isInteger(port) && port > 0 && port < 65_536 ? port : 4000;
  return `http://127.0.0.1:${validPort}`;
}

/** The renderer's entry with the default server as a query parameter it reads at start. */
export function entryUrlWithServer(entry: string, server: string): string {
  const url = new URL(entry);
  url.searchParams.set('server', server);
  return url.toString();
}
