/**
 * A real API for browser tests: loopback, port 0, a SQLite file in a temp folder, serving
 * the built web client at `/`. It can be stopped and started again on the same port with
 * the same file and signing secret, as a deployment restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createApp, type App, type AppDeps } from '../../api/src/app';
import type { Config } from '../../api/src/config';
import { createLogger } from '../../api/src/http/logging';
import { openStore } from '../../api/src/store/index';
import type { Store } from '../../api/src/store/types';
import { RestClient, testConfig } from '../../api/test/helpers';

export interface ChatServerOptions {
  config?: Partial<Config>;
  timings?: AppDeps['timings'];
}

export class ChatServer {
  readonly http: RestClient;
  private running: { app: App; store: Store } | null = null;

  private constructor(
    readonly url: string,
    readonly port: number,
    private readonly dir: string,
    private readonly config: Config,
    private readonly options: ChatServerOptions,
    running: { app: App; store: Store },
  ) {
    this.http = new RestClient(url);
    this.running = running;
  }

  static async start(options: ChatServerOptions = {}): Promise<ChatServer> {
    const dir = mkdtempSync(join(tmpdir(), 'chat-e2e-api-'));
    const config = testConfig(dir, options.config);
    const running = await ChatServer.boot(config, options, 0);
    const port = running.port;
    return new ChatServer(`http://127.0.0.1:${port}`, port, dir, config, options, running);
  }

  private static async boot(
    config: Config,
    options: ChatServerOptions,
    port: number,
  ): Promise<{ app: App; store: Store; port: number }> {
    const store = await openStore(config.databaseUrl);
    const app = createApp({
      config,
      store,
      logger: createLogger(config.logLevel),
      webRoot: inject('webRoot'),
      ...(options.timings ? { timings: options.timings } : {}),
    });
    try {
      const address = await app.listen(port, '127.0.0.1');
      return { app, store, port: address.port };
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** Stops as a deployment does (sockets disconnected, store closed); the file stays. */
  async stop(): Promise<void> {
    const running = this.running;
    if (running === null) return;
    this.running = null;
    await running.app.close();
    await running.store.close();
  }

  /** Starts again on the same port, file and secret. */
  async start(): Promise<void> {
    if (this.running !== null) return;
    this.running = await ChatServer.boot(this.config, this.options, this.port);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
