/**
 * Test harness for the client core: real API instances (the API's own harness), clients
 * with memory storage, and helpers to await events.
 * Node-only; never imported by the core itself.
 */
import { startTestApi, type Config, type TestApi } from '@chat/api/testing';
import {
  CORE_METHODS,
  validatingCalls,
  type ChatCoreCalls,
  type ChatEvent,
  type ConnectionStatus,
  type CoreMethod,
  type Result,
} from '../../shared/bridge';
import { createChatClient, type ChatClient, type ChatClientOptions } from '../client';
import { MemoryOutboxStorage, MemorySessionStorage } from '../storage/memory';

/** An API that can be stopped and started again on the same port and SQLite file. */
export type RestartableApi = TestApi;

/** The API harness with the rate limits off: the core's tests reconnect and resend in bursts. */
export function startRestartableApi(overrides: Partial<Config> = {}): Promise<RestartableApi> {
  return startTestApi({ config: { rateLimits: false, ...overrides } });
}

/** The core as a bridge serves it: every argument validated first, as the shells do. */
export type TestChatClient = Omit<ChatClient, CoreMethod> & ChatCoreCalls;

export interface TestClient {
  client: TestChatClient;
  /** The core itself, behind no bridge (to build a bridge on). */
  core: ChatClient;
  sessionStorage: MemorySessionStorage;
  outboxStorage: MemoryOutboxStorage;
  events: ChatEvent[];
  /** Resolves with the first event (past or future) matching `predicate`. */
  waitFor<T extends ChatEvent>(
    predicate: (event: ChatEvent) => event is T,
    timeoutMs?: number,
  ): Promise<T>;
  waitFor(predicate: (event: ChatEvent) => boolean, timeoutMs?: number): Promise<ChatEvent>;
  /** Resolves once `check()` holds (polled on every event and every 20 ms). */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

export function makeClient(
  options: Partial<ChatClientOptions> & {
    sessionStorage?: MemorySessionStorage;
    outboxStorage?: MemoryOutboxStorage;
  } = {},
): TestClient {
  const sessionStorage = options.sessionStorage ?? new MemorySessionStorage();
  const outboxStorage = options.outboxStorage ?? new MemoryOutboxStorage();
  const core = createChatClient({ ...options, sessionStorage, outboxStorage });
  const client: TestChatClient = {
    onEvent: (listener) => core.onEvent(listener),
    start: () => core.start(),
    close: () => core.close(),
    networkLost: () => core.networkLost(),
    ...validatingCalls(CORE_METHODS, core),
  };
  const events: ChatEvent[] = [];
  const waiters = new Set<() => void>();
  client.onEvent((event) => {
    events.push(event);
    for (const waiter of [...waiters]) waiter();
  });

  function waitFor(
    predicate: (event: ChatEvent) => boolean,
    timeoutMs = 10_000,
  ): Promise<ChatEvent> {
    return new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < events.length; seen++) {
          const event = events[seen];
          if (event !== undefined && predicate(event)) {
            cleanup();
            resolve(event);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const poll = setInterval(tick, 20);
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for: ${what}`));
      }, timeoutMs);
      function tick() {
        if (!check()) return;
        cleanup();
        resolve();
      }
      function cleanup() {
        clearInterval(poll);
        clearTimeout(timer);
        waiters.delete(tick);
      }
      waiters.add(tick);
      tick();
    });
  }

  return {
    client,
    core,
    sessionStorage,
    outboxStorage,
    events,
    waitFor: waitFor,
    until,
  };
}

/** The value of a successful result; fails the test with the error otherwise. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** Statuses with a live socket ('catching-up' may last while the API lacks an endpoint). */
export const CONNECTED: readonly ConnectionStatus[] = ['catching-up', 'online'];

let seq = 0;
export function uniqueName(prefix = 'u'): string {
  seq += 1;
  return `${prefix}${process.pid}_${seq}_${Math.floor(Math.random() * 1e6)}`
    .slice(0, 32)
    .toLowerCase();
}

/** Registers a fresh user through the client and waits until it is online. */
export async function signUp(
  test: TestClient,
  serverUrl: string,
  name = uniqueName(),
): Promise<string> {
  const session = unwrap(
    await test.client.register({ serverUrl, username: name, password: 'correct horse battery' }),
  );
  await test.waitFor((e) => e.type === 'connection' && CONNECTED.includes(e.status));
  return session.user.id;
}
