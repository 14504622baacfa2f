import type { Logger } from 'pino';
import { createApp, type App } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './http/logging';
import { startMetricsServer, type MetricsServer } from './metrics/metrics';
import { describeRedis, startScaleOut, type ScaleOut } from './scale/index';
import { openStore } from './store/index';
import type { Store } from './store/types';

/** How long a graceful stop may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 4_500;

/** Startup failures are one line on stderr, for a person reading a terminal or a unit log. */
function fail(message: string): never {
  process.stderr.write(`chat-api: ${message}\n`);
  process.exit(1);
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** The database URL without credentials, for messages. */
function describeDatabase(url: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1***@');
}

async function openDatabase(config: Config, logger: Logger): Promise<Store> {
  try {
    return await openStore(config.databaseUrl, {
      // The store starts the thread again by itself; searches answer 503 meanwhile.
      onSearchFailure: ({ error, restartInMs }) =>
        safeLog(() =>
          logger.error({ error, restartInMs }, 'the search index thread failed; restarting it'),
        ),
      // Disk trouble or a bad restore: the moved file is kept for a look, and searches
      // answer 503 until the rebuild holds every message.
      onSearchDamaged: ({ error, movedTo }) =>
        safeLog(() =>
          logger.error(
            { error, movedTo },
            'the search index file was damaged; moved it aside and rebuilding the index',
          ),
        ),
    });
  } catch (err) {
    fail(`cannot open the database ${describeDatabase(config.databaseUrl)}: ${errorText(err)}`);
  }
}

/** Logging must never be the reason a shutdown stalls (e.g. EPIPE on a closed stdout). */
function safeLog(write: () => void): void {
  try {
    write();
  } catch {
    // Nothing sensible to do: the log destination is gone.
  }
}

async function startScaleOutOrFail(config: Config, logger: Logger): Promise<ScaleOut | undefined> {
  if (config.redisUrl === null) return undefined;
  try {
    return await startScaleOut({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      presenceHeartbeatTtlMs: config.presenceHeartbeatTtlMs,
      logger,
    });
  } catch (err) {
    fail(`cannot use Redis at ${describeRedis(config.redisUrl)}: ${errorText(err)}`);
  }
}

function stopOnSignals(
  app: App,
  store: Store,
  scaleOut: ScaleOut | undefined,
  logger: Logger,
  metricsServer: MetricsServer | undefined,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    // Armed before anything else: even a logger that throws (stdout closed under us)
    // must not keep the process alive past the deadline.
    setTimeout(() => {
      process.stderr.write('chat-api: shutdown took too long; exiting anyway\n');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    safeLog(() => logger.info({ signal }, 'shutting down'));
    // Order matters: stop taking requests and sockets, then flush and close the store.
    Promise.all([app.close(), metricsServer?.close()])
      .then(() => scaleOut?.close())
      .then(() => store.close())
      .then(
        () => {
          safeLog(() => logger.info('stopped'));
          process.exit(0);
        },
        (err: unknown) => {
          safeLog(() => logger.error({ err }, 'shutdown failed'));
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`);
    throw err;
  }
  const logger = createLogger(config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  if (config.jwtSecretSource === 'generated-file') {
    logger.info('generated a JWT secret and stored it beside the database file');
  }

  const store = await openDatabase(config, logger);
  const scaleOut = await startScaleOutOrFail(config, logger).catch(async (err: unknown) => {
    await store.close().catch(() => undefined);
    throw err;
  });
  const app = createApp({ config, store, logger, ...(scaleOut ? { scaleOut } : {}) });
  let address;
  try {
    address = await app.listen();
  } catch (err) {
    await scaleOut?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    fail(`cannot listen on ${config.host}:${config.port}: ${errorText(err)}`);
  }
  let metricsServer: MetricsServer | undefined;
  if (config.metricsPort !== null) {
    try {
      metricsServer = await startMetricsServer({
        metrics: app.metrics,
        port: config.metricsPort,
        host: config.metricsHost,
        token: config.metricsToken,
      });
    } catch (err) {
      await app.close().catch(() => undefined);
      await scaleOut?.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      fail(
        `cannot listen for metrics on ${config.metricsHost}:${config.metricsPort}: ${errorText(err)}`,
      );
    }
    logger.info(
      { metricsPort: metricsServer.port },
      `metrics on http://${config.metricsHost}:${metricsServer.port}/metrics`,
    );
  }
  stopOnSignals(app, store, scaleOut, logger, metricsServer);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info(
    {
      url: `http://${host}:${address.port}`,
      database: config.databaseKind,
      instanceId: scaleOut?.instanceId,
    },
    `API listening on http://${host}:${address.port}`,
  );
}

main().catch((err: unknown) => {
  fail(`failed to start: ${errorText(err)}`);
});
