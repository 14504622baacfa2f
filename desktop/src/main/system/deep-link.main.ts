/**
 * `chat://` links. Installers register the scheme (`protocols` in electron-builder.yml);
 * a link reaches the app as a command-line argument on first launch (Windows, Linux), in
 * the argv of `second-instance` when the app already runs, or as macOS's `open-url`.
 *
 * `chat://conversation/ID` opens that conversation. Anything else is ignored with one
 * log line: a link is input from any web page or document, so nothing in it is trusted
 * beyond an opaque id of a sane length and alphabet.
 */
export const DEEP_LINK_SCHEME = 'chat';

export interface DeepLink {
  kind: 'conversation';
  conversationId: string;
}

/** Opaque ids (the server's): letters, digits, `-` and `_`, at most 128. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The link's meaning, or null (with the reason) when it is malformed or unknown. */
export function parseDeepLink(raw: string): { link: DeepLink } | { error: string } {
  if (raw.length > 2048) return { error: 'too long' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: 'not a URL' };
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) return { error: `not a ${DEEP_LINK_SCHEME}: link` };
  // `chat://conversation/ID`: the host is the kind, the path the id.
  const kind = url.hostname;
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  if (kind !== 'conversation') return { error: `unknown kind "${kind.slice(0, 40)}"` };
  if (segments.length !== 1) return { error: 'expected chat://conversation/ID' };
  let id: string;
  try {
    id = decodeURIComponent(segments[0] ?? '');
  } catch {
    return { error: 'malformed id' };
  }
  if (!ID.test(id)) return { error: 'malformed id' };
  return { link: { kind: 'conversation', conversationId: id } };
}

/** The first `chat:` argument of a command line, or null. */
export function deepLinkInArgv(argv: readonly string[]): string | null {
  return argv.find((arg) => arg.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}:`)) ?? null;
}

export interface DeepLinkRouterDeps {
  /** Shows the window and the conversation (the shell's openConversation). */
  openConversation(conversationId: string): void;
  log(message: string): void;
}

/**
 * Holds links that arrive before the window can show them (first launch, macOS's early
 * `open-url`) and delivers them once `ready()` is called; after that, at once. Only the
 * latest waiting link is kept: the user wants where they clicked last.
 */
export function createDeepLinkRouter(deps: DeepLinkRouterDeps): {
  handle(raw: string): void;
  ready(): void;
} {
  let isReady = false;
  let waiting: DeepLink | null = null;
  const deliver = (link: DeepLink) => deps.openConversation(link.conversationId);
  return {
    handle(raw) {
      const parsed = parseDeepLink(raw);
      if ('error' in parsed) {
        // The link itself is not logged whole: it is whatever a page put in it.
        deps.log(`ignored a ${DEEP_LINK_SCHEME}: link (${parsed.error})`);
        return;
      }
      if (isReady) deliver(parsed.link);
      else waiting = parsed.link;
    },
    ready() {
      isReady = true;
      if (waiting !== null) {
        const link = waiting;
        waiting = null;
        deliver(link);
      }
    },
  };
}
