// The web entry: the client core runs in this page, so the bridge is installed before the
// app mounts; the API that served the page is the default server.
import './csp-safe-zod';
import { createWebBridge } from '../web/bridge.web';
import { reconnectWhenOnline } from '../web/connectivity.web';
import { conversationFromUrl } from '../web/push.web';
import { mount } from './mount';

const bridge = createWebBridge();
window.chat = bridge;
mount({ defaultServerUrl: window.location.origin, web: true });
// After mounting: the app asks for the session once it has subscribed to events, so a
// session restored in between is seen either way.
// A notification clicked while no tab was open opened `/#conversation=<id>`: show it once
// signed in, and take the hash off so a reload does not jump there again.
const opened = conversationFromUrl(window.location.hash);
if (opened !== null) window.history.replaceState(null, '', window.location.pathname);
void bridge.client.start().then((session) => {
  if (session !== null && opened !== null) bridge.openConversation(opened);
});
// The service worker shows pushes while no tab is open; registering asks the user nothing.
void bridge.push.register();
// The network is back: connect now, not after the socket's backoff; gone: drop the socket now.
reconnectWhenOnline(
  window,
  () => bridge.catchUp(),
  () => bridge.client.networkLost(),
);
