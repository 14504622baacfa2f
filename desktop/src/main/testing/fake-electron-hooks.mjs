// Module hooks for starting the built main bundle under Node: 'electron' becomes the
// recording fake; Electron's two libraries resolve from the desktop workspace, as they
// would from the packaged app's node_modules.
import { URL } from 'node:url';

const fake = new URL('./fake-electron.mjs', import.meta.url).href;
const desktop = new URL('../../../package.json', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: fake, shortCircuit: true };
  if (specifier === 'electron-store' || specifier === 'electron-updater') {
    return next(specifier, { ...context, parentURL: desktop });
  }
  return next(specifier, context);
}
