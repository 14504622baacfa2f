/**
 * The renderer's Content-Security-Policy, one definition used for the app protocol's
 * response headers (main) and the `<meta>` tag the renderer build injects.
 *
 * `connect-src 'self'`: in the desktop app the renderer talks only to the preload; the
 * core's network traffic runs in the main process, so no server belongs here. In the web
 * build the page is served by the API itself, so 'self' is that API (http and ws).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Attachments are shown from blob: URLs of bytes the client core fetched with the token.
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  // Not covered by default-src: without these an injected <base> or <form> could still
  // redirect URLs or post data somewhere.
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Header-only directives (browsers ignore them in a meta tag). */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;
