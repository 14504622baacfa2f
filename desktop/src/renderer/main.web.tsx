// The web entry: the client core runs in this page, so the bridge is installed before the
// app mounts; the API that served the page is the default server.
import './csp-safe-zod';
import { createWebBridge } from '../web/bridge.web';
import { reconnectWhenOnline } from '../web/connectivity.web';
import { mount } from './mount';

const bridge = createWebBridge();
window.chat = bridge;
mount({ defaultServerUrl: window.location.origin, web: true });
// After mounting: the app asks for the session once it has subscribed to events, so a
// session restored in between is seen either way.
void bridge.client.start();
// The network is back: connect now, not after the socket's backoff; gone: drop the socket now.
reconnectWhenOnline(
  window,
  () => bridge.catchUp(),
  () => bridge.client.networkLost(),
);
