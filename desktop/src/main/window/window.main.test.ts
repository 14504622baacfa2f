import { describe, expect, it } from 'vitest';
import { buildWindowOptions } from './window.main';

describe('buildWindowOptions', () => {
  it('runs the renderer isolated, sandboxed, without Node and with web security', () => {
    const options = buildWindowOptions({ preloadPath: '/app/dist/preload/index.cjs' });
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
  });

  it('has DevTools in development only, never in a packaged build', () => {
    expect(buildWindowOptions({ preloadPath: 'p' }).webPreferences?.devTools).toBe(true);
    expect(buildWindowOptions({ preloadPath: 'p', packaged: true }).webPreferences?.devTools).toBe(
      false,
    );
  });

  it('keeps the security options whatever else is passed', () => {
    const options = buildWindowOptions({
      preloadPath: 'p',
      iconPath: 'icon.png',
      bounds: { width: 800, height: 600, x: 10, y: 20 },
    });
    expect(options).toMatchObject({ width: 800, height: 600, x: 10, y: 20, icon: 'icon.png' });
    expect(options.webPreferences?.sandbox).toBe(true);
    expect(options.webPreferences?.contextIsolation).toBe(true);
  });
});
