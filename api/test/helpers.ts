/**
 * Shared test helpers: a real API on 127.0.0.1 port 0 with a fresh SQLite file in a temp
 * folder, a small typed REST client, and socket.io-client helpers. Any suite (API
 * features, desktop client core, end-to-end) can use them.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import type { Logger } from 'pino';
import type {
  Ack,
  Attachment,
  AuthResponse,
  ClientToServerEvents,
  Conversation,
  ErrorBody,
  Message,
  ServerToClientEvents,
} from '@chat/protocol';
import { createApp, type App, type AppDeps } from '../src/app';
import type { Clock } from '../src/clock';
import { loadConfig, type Config } from '../src/config';
import { createLogger } from '../src/http/logging';
import { openStore } from '../src/store/index';
import type { Store } from '../src/store/types';

export type ChatClientSocket = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

/** Cheap argon2 so suites that register many users stay fast. Never for production. */
export const TEST_ARGON2 = { memoryCost: 256, timeCost: 1, parallelism: 1 } as const;

export interface TestApiOptions<S extends Store = Store> {
  /** Config fields to override (e.g. `accessTokenTtlSeconds`, `rateLimits`, `argon2`). */
  config?: Partial<Config>;
  clock?: Clock;
  logger?: Logger;
  /**
   * Opens the store on the API's SQLite file, on every start (default: `openStore` on the
   * config's DATABASE_URL). For a store with other options, e.g. a short busy timeout.
   */
  openStore?: (file: string) => S | Promise<S>;
  /** Shorter presence grace / typing expiry, so tests need not wait the contract's 5 s. */
  timings?: AppDeps['timings'];
  /** A built web client to serve at `/` (the browser tests'). */
  webRoot?: string;
}

/**
 * An API running in this process: loopback, a SQLite file in a temp folder. It can be
 * stopped and started again on the same port, file and signing secret, as a deployment
 * restarts, so tokens and data survive the restart.
 */
export interface TestApi<S extends Store = Store> {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The running app; throws while stopped. */
  readonly app: App;
  /** The running app's store; throws while stopped. */
  readonly store: S;
  config: Config;
  /** The temp folder holding the SQLite file; removed by close(). */
  dir: string;
  /** The SQLite file the store opens. */
  databaseFile: string;
  http: RestClient;
  readonly isRunning: boolean;
  /** Connects a socket that close() disconnects. Rejects with the connect_error. */
  connect(token: string | undefined): Promise<ChatClientSocket>;
  /** Stops as a deployment does (sockets disconnected, store closed); the file stays. */
  stop(): Promise<void>;
  /** Starts again on the same port, file and secret (nothing if running). */
  start(): Promise<void>;
  /** Stops and removes the temp folder. */
  close(): Promise<void>;
}

/** A config for tests: a temp SQLite file, a fixed secret, low argon2 cost, quiet logs. */
export function testConfig(dir: string, overrides: Partial<Config> = {}): Config {
  const base = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, DATABASE_FILE)}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
  });
  return { ...base, argon2: { ...TEST_ARGON2 }, warnings: [], ...overrides };
}

const DATABASE_FILE = 'chat.sqlite';

export async function startTestApi<S extends Store = Store>(
  options: TestApiOptions<S> = {},
): Promise<TestApi<S>> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-api-test-'));
  const databaseFile = join(dir, DATABASE_FILE);
  // One config (and so one secret) for every incarnation, so tokens survive a restart.
  const config = testConfig(dir, options.config);
  const sockets = new Set<ChatClientSocket>();
  let running: { app: App; store: S } | null = null;
  let port = 0;

  const boot = async (): Promise<{ app: App; store: S }> => {
    const store = options.openStore
      ? await options.openStore(databaseFile)
      : ((await openStore(config.databaseUrl)) as S);
    const app = createApp({
      config,
      store,
      logger: options.logger ?? createLogger(config.logLevel),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.timings ? { timings: options.timings } : {}),
      ...(options.webRoot === undefined ? {} : { webRoot: options.webRoot }),
    });
    try {
      port = (await app.listen(port, '127.0.0.1')).port;
    } catch (err) {
      await store.close();
      throw err;
    }
    return { app, store };
  };
  const current = () => {
    if (running === null) throw new Error('the API is stopped');
    return running;
  };

  running = await boot();
  const url = `http://127.0.0.1:${port}`;
  const api: TestApi<S> = {
    url,
    port,
    get app() {
      return current().app;
    },
    get store() {
      return current().store;
    },
    config,
    dir,
    databaseFile,
    http: new RestClient(url),
    get isRunning() {
      return running !== null;
    },
    async connect(token) {
      const socket = await connectSocket(url, token);
      sockets.add(socket);
      return socket;
    },
    async stop() {
      const stopping = running;
      if (stopping === null) return;
      running = null;
      await stopping.app.close();
      await stopping.store.close();
    },
    async start() {
      running ??= await boot();
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return api;
}

// ---- REST -------------------------------------------------------------------

export interface RestResponse<T> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body (204). */
  body: T;
}

export interface RequestOptions {
  /** Sent as JSON, unless `rawBody` is given. */
  body?: unknown;
  /** Sent as-is (for malformed or oversized bodies). */
  rawBody?: string | Uint8Array;
  token?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number>;
}

export class RestClient {
  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<RestResponse<T>> {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Uint8Array | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      headers['content-type'] ??= 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? null : JSON.parse(text)) as T,
    };
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }

  post<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('POST', path, options);
  }
}

/** The error body of a failed response, for assertions. */
export function errorOf(response: RestResponse<unknown>): ErrorBody['error'] {
  return (response.body as ErrorBody).error;
}

// ---- accounts ---------------------------------------------------------------

let counter = 0;

/** A valid username nobody else in this process has used. */
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`.slice(0, 32).toLowerCase();
}

export interface RegisteredUser extends AuthResponse {
  password: string;
}

export async function registerUser(
  api: { http: RestClient },
  input: { username?: string; password?: string; displayName?: string } = {},
): Promise<RegisteredUser> {
  const password = input.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const response = await api.http.post<AuthResponse>('/api/auth/register', {
    body: {
      username: input.username ?? uniqueUsername(),
      password,
      displayName: input.displayName,
    },
  });
  if (response.status !== 201) {
    throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return { ...response.body, password };
}

export async function login(
  api: { http: RestClient },
  username: string,
  password: string,
): Promise<AuthResponse> {
  const response = await api.http.post<AuthResponse>('/api/auth/login', {
    body: { username, password },
  });
  if (response.status !== 200) {
    throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

// ---- sockets ----------------------------------------------------------------

/**
 * Connects over WebSocket only (no polling upgrade), so tests see one transport.
 * Resolves once connected; rejects with the connect_error (message 'unauthorized' for a
 * refused token). The caller disconnects the socket.
 */
export function connectSocket(url: string, token: string | undefined): Promise<ChatClientSocket> {
  const socket: ChatClientSocket = ioClient(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

/** The message of the connect_error a refused handshake produces. */
export async function connectError(url: string, token: string | undefined): Promise<string> {
  try {
    const socket = await connectSocket(url, token);
    socket.disconnect();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('the socket connected, but a refusal was expected');
}

/** Emits a client event and resolves with its ack; rejects after `timeoutMs` without one. */
export async function emitWithAck(
  socket: ChatClientSocket,
  event: keyof ClientToServerEvents,
  payload: unknown,
  timeoutMs = 5_000,
): Promise<Ack<Record<string, unknown>>> {
  const emitter = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(event: string, payload: unknown): Promise<Ack<Record<string, unknown>>>;
  };
  return emitter.emitWithAck(event, payload);
}

/** Resolves with the next `event` payload; rejects after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ChatClientSocket,
  event: E,
  timeoutMs = 5_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, listener as never);
  });
}

/** Resolves with the disconnect reason; rejects if the socket stays connected `timeoutMs`. */
export function disconnection(socket: ChatClientSocket, timeoutMs = 5_000): Promise<string> {
  if (socket.disconnected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`still connected after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/**
 * Resolves once the server has answered a request sent on each of `sockets` now. One
 * connection keeps its packets in order, so everything the server emitted to a socket
 * before it read the request (an announcement made while serving an earlier REST call
 * included) has been received by then: what must not have arrived is checked after this,
 * not after a sleep.
 */
export async function roundTrip(...sockets: ChatClientSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(async (socket) => {
      // An empty typing notice: refused by validation, so it changes nothing, but answered.
      const ack = await emitWithAck(socket, 'typing', {});
      if (ack.ok) throw new Error('the round-trip request was accepted');
    }),
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- chat -------------------------------------------------------------------

/** Opens (or finds) the direct conversation between the token's user and `userId`. */
export async function openDirect(
  api: { http: RestClient },
  token: string,
  userId: string,
): Promise<Conversation> {
  const response = await api.http.post<Conversation>('/api/conversations', {
    token,
    body: { type: 'direct', userId },
  });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`direct failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

export async function createGroup(
  api: { http: RestClient },
  token: string,
  memberIds: string[],
  title = 'A group',
): Promise<Conversation> {
  const response = await api.http.post<Conversation>('/api/conversations', {
    token,
    body: { type: 'group', title, memberIds },
  });
  if (response.status !== 201) {
    throw new Error(`group failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/** Sends over REST and returns the stored message; throws unless 201 or 200. */
export async function postMessage(
  api: { http: RestClient },
  token: string,
  conversationId: string,
  body: string,
  clientId: string = randomBytes(8).toString('hex'),
): Promise<Message> {
  const response = await api.http.post<Message>(`/api/conversations/${conversationId}/messages`, {
    token,
    body: { clientId, body },
  });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`send failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/**
 * Records every `event` a socket receives from now on, so a test can assert both what
 * arrived and what did not.
 */
export class EventLog<E extends keyof ServerToClientEvents> {
  readonly events: Parameters<ServerToClientEvents[E]>[0][] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly socket: ChatClientSocket,
    readonly event: E,
  ) {
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      this.events.push(payload);
      for (const wake of this.waiters) wake();
    };
    socket.on(event, listener as never);
  }

  /** Resolves with the first recorded event (past or future) that matches. */
  waitFor(
    match: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<Parameters<ServerToClientEvents[E]>[0]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        if (found === undefined) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching ${this.event} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  /** Resolves once `count` events are recorded. */
  async waitForCount(count: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`${this.events.length} of ${count} ${this.event} within ${timeoutMs} ms`);
      }
      await sleep(10);
    }
  }
}

// ---- uploads ----------------------------------------------------------------

/** `POST /api/uploads` with one `file` part, as a browser's FormData sends it. */
export async function uploadFile(
  api: { url: string },
  token: string | undefined,
  bytes: Uint8Array,
  name: string,
  type = 'application/octet-stream',
): Promise<RestResponse<Attachment>> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(new URL('/api/uploads', api.url), {
    method: 'POST',
    headers,
    body: form,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? null : JSON.parse(text)) as Attachment,
  };
}

/** An upload that must succeed; its attachment. */
export async function uploaded(
  api: { url: string },
  token: string,
  bytes: Uint8Array,
  name: string,
): Promise<Attachment> {
  const response = await uploadFile(api, token, bytes, name);
  if (response.status !== 201) {
    throw new Error(`upload failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/**
 * A GET answered with bytes (downloads): `bytes` is the raw body, `body` the parsed error
 * when the answer is JSON (for assertions shared with `RestResponse`).
 */
export async function getBytes(
  api: { url: string },
  path: string,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<RestResponse<unknown> & { bytes: Buffer }> {
  const sent = { ...headers };
  if (token !== undefined) sent.authorization = `Bearer ${token}`;
  const response = await fetch(new URL(path, api.url), { headers: sent });
  const bytes = Buffer.from(await response.arrayBuffer());
  const json = response.headers.get('content-type')?.startsWith('application/json') === true;
  return {
    status: response.status,
    headers: response.headers,
    bytes,
    body: json ? (JSON.parse(bytes.toString('utf8')) as unknown) : null,
  };
}

/** Linux's number for the SCHED_IDLE scheduling policy. */
export const SCHED_IDLE = 5;

/** Scheduling policy of each thread of this process, the main thread first (Linux: field 41). */
export function threadPolicies(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[38]);
  });
}

/**
 * Takes the write lock of a SQLite database's search file from a connection of its own until
 * released (idempotent), so that the store's search index thread fails for real: its next
 * step gives up after the busy timeout with SQLITE_BUSY and the thread ends, as it would on
 * SQLITE_FULL or an I/O error.
 */
export function lockSearchFile(databaseFile: string): { release(): void } {
  const db = new Database(`${databaseFile}.search`);
  db.exec('BEGIN IMMEDIATE');
  return {
    release() {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/** Copies a SQLite file's WAL into it, so that every page is read from the file itself. */
export function checkpointFile(file: string): void {
  const db = new Database(file, { timeout: 5_000 });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Writes garbage over a file from byte `from` to its end (a SQLite header is the first 100). */
export function writeOver(file: string, from = 0): void {
  const fd = openSync(file, 'r+');
  try {
    const size = statSync(file).size;
    writeSync(fd, Buffer.alloc(Math.max(0, size - from), 0x5a), 0, size - from, from);
  } finally {
    closeSync(fd);
  }
}

/**
 * Damages a search file for real, under a running store or not: its WAL is copied into it
 * (no page is read from the WAL any more) and every byte, header included, is overwritten.
 */
export function damageSearchFile(file: string): void {
  checkpointFile(file);
  writeOver(file);
}
