// The desktop entry: the preload has already exposed window.chat.
import './csp-safe-zod';
import { mount } from './mount';

// The main process names the default server (it follows the API's PORT) in the entry's query.
function serverFromEntry(): string {
  const named = new URLSearchParams(window.location.search).get('server');
  try {
    const url = named === null ? null : new URL(named);
    if (url && (url.protocol === 'http:' || url.protocol === 'https:')) return url.origin;
  } catch {
    // A malformed value: use the usual local API.
  }
  return 'http://127.0.0.1:4000';
}

mount({ defaultServerUrl: serverFromEntry() });
