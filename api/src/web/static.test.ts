import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app';
import { createLogger } from '../http/logging';
import { openStore } from '../store/index';
import type { Store } from '../store/types';
import { testConfig } from '../../test/helpers';
import { WEB_CLIENT_CSP } from './static';

interface Running {
  url: string;
  app: App;
  store: Store;
  dir: string;
}

async function start(webRoot: string): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-web-test-'));
  const config = testConfig(dir);
  const store = await openStore(config.databaseUrl);
  const app = createApp({ config, store, logger: createLogger('silent'), webRoot });
  const address = await app.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${address.port}`, app, store, dir };
}

async function stop(running: Running): Promise<void> {
  await running.app.close();
  await running.store.close();
  rmSync(running.dir, { recursive: true, force: true });
}

describe('the web client served by the API', () => {
  let built: Running;
  let webRoot: string;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'chat-web-root-'));
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Chat</title>');
    writeFileSync(join(webRoot, 'assets', 'index-abc123.js'), 'console.log(1);');
    writeFileSync(join(webRoot, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(webRoot, 'sw.js'), 'self.addEventListener("push", () => {});');
    writeFileSync(join(webRoot, 'assets', 'index-abc123.js.map'), '{"version":3}');
    writeFileSync(join(webRoot, '.secret'), 'hidden');
    writeFileSync(join(webRoot, '.hidden.js'), 'hidden');
    built = await start(webRoot);
  });

  afterAll(async () => {
    await stop(built);
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('serves index.html at / with the strict CSP and no caching', async () => {
    const res = await fetch(`${built.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(WEB_CLIENT_CSP);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('<title>Chat</title>');
  });

  it('does not serve source maps, even when a build left some behind', async () => {
    const res = await fetch(`${built.url}/assets/index-abc123.js.map`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('version');
  });

  it('the CSP allows only its own origin to connect and forbids plugins, <base>, forms and framing', () => {
    const directives = new Map(
      WEB_CLIENT_CSP.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    expect(directives.get('connect-src')).toBe("'self'");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(directives.get('form-action')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
  });

  it('serves the service worker for the whole app, revalidated every time, allowed by the CSP', async () => {
    const res = await fetch(`${built.url}/sw.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(res.headers.get('service-worker-allowed')).toBe('/');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("worker-src 'self'");
    // Nothing else is a worker's scope root.
    const index = await fetch(`${built.url}/`);
    expect(index.headers.get('service-worker-allowed')).toBeNull();
  });

  it('serves hashed bundles with JavaScript and CSS types, cached for good', async () => {
    const js = await fetch(`${built.url}/assets/index-abc123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const css = await fetch(`${built.url}/assets/index-abc123.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('answers client-side routes with the app shell', async () => {
    const res = await fetch(`${built.url}/conversations/some-id`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Chat</title>');
  });

  it('gives a plain 404 for a missing file, a hidden file or an escape attempt', async () => {
    for (const path of ['/assets/missing.js', '/.hidden.js', '/%2e%2e/%2e%2e/package.json']) {
      const res = await fetch(`${built.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe('Not found\n');
    }
  });

  it('never serves a dotfile, even as a route', async () => {
    const res = await fetch(`${built.url}/.secret`);
    expect(await res.text()).not.toContain('hidden');
  });

  it('leaves /api to the API: JSON answers and no app shell for unknown API paths', async () => {
    const health = await fetch(`${built.url}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const unknown = await fetch(`${built.url}/api/no-such-route`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).not.toContain('<title>Chat</title>');
  });
});

describe('the API without a web build', () => {
  it('keeps serving the API and explains at / how to build the web client', async () => {
    const running = await start(join(tmpdir(), 'chat-no-such-web-build'));
    try {
      const res = await fetch(`${running.url}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:web');
      const health = await fetch(`${running.url}/api/health`);
      expect(health.status).toBe(200);
    } finally {
      await stop(running);
    }
  });
});
