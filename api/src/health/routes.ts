import type { ErrorDetail, ReadinessResponse, SearchReadinessCheck } from '@chat/protocol';
import { ApiError } from '../http/errors';
import type { RouteHandlers } from '../http/route-table';
import type { SearchThreadStats } from '../store/types';

/** How long each dependency may take to answer a readiness check. */
export const READINESS_DEADLINE_MS = 2_000;

export interface HealthDeps {
  /** The store's `ping`. */
  pingStore: () => Promise<void>;
  /** Redis's PING; absent when the API runs without Redis. */
  pingRedis?: () => Promise<void>;
  /** The store's search index thread (read live at each check); null where it has none. */
  searchThread: SearchThreadStats | null;
  deadlineMs?: number;
}

type Check = { ok: true; ms: number } | { ok: false; reason: string };

/** Runs one check against a deadline; never rejects. */
async function check(ping: () => Promise<void>, deadlineMs: number): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Check>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, reason: `no answer within ${deadlineMs} ms` }),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([
      ping().then(
        (): Check => ({ ok: true, ms: Math.round(performance.now() - started) }),
        // The reason stays generic: the body is public and must not describe internals.
        (): Check => ({ ok: false, reason: 'it answered with an error' }),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The search thread's state in public words: the body is public, so neither the error (file
 * paths, SQLite's words) nor anything else internal is said; the log has them. A search that
 * is down never makes the instance unready: it would take away an instance that still
 * delivers every message.
 */
export function searchCheck(thread: SearchThreadStats | null): SearchReadinessCheck {
  if (!thread) return { status: 'not_configured' };
  const { failures } = thread;
  if (thread.rebuilding) {
    return { status: 'degraded', failures, message: 'The search index is being rebuilt.' };
  }
  if (!thread.running) {
    return { status: 'degraded', failures, message: 'The search index thread is restarting.' };
  }
  return { status: 'ok' };
}

/**
 * `/api/health` (ready to serve: unchanged since version 1), `/api/health/live` (the
 * process answers; for a supervisor deciding on a restart) and `/api/health/ready` (the
 * store and Redis answer; for a load balancer deciding where to send traffic; it also says
 * how search is, without failing over it).
 */
export function healthRoutes(
  deps: HealthDeps,
): RouteHandlers<'health' | 'healthLive' | 'healthReady'> {
  const deadlineMs = deps.deadlineMs ?? READINESS_DEADLINE_MS;
  return {
    health: () => ({ status: 200, body: { status: 'ok' } }),
    healthLive: ({ ctx }) => {
      ctx.set('Cache-Control', 'no-store');
      return { status: 200, body: { status: 'ok' } };
    },
    healthReady: async ({ ctx }) => {
      ctx.set('Cache-Control', 'no-store');
      const [store, redis] = await Promise.all([
        check(deps.pingStore, deadlineMs),
        deps.pingRedis ? check(deps.pingRedis, deadlineMs) : null,
      ]);
      const failed: ErrorDetail[] = [];
      if (!store.ok) failed.push({ path: 'store', message: `The store: ${store.reason}.` });
      if (redis && !redis.ok) failed.push({ path: 'redis', message: `Redis: ${redis.reason}.` });
      if (failed.length > 0) {
        throw new ApiError(
          'unavailable',
          `Not ready: ${failed.map((f) => f.path).join(' and ')} did not answer.`,
          failed,
          1,
        );
      }
      const body: ReadinessResponse = {
        status: 'ok',
        checks: {
          store: { status: 'ok', ms: store.ok ? store.ms : 0 },
          redis: redis?.ok ? { status: 'ok', ms: redis.ms } : { status: 'not_configured' },
          search: searchCheck(deps.searchThread),
        },
      };
      return { status: 200, body };
    },
  };
}
