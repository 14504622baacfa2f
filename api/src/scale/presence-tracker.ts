import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LIMITS } from '@chat/protocol';
import type { PresenceTracker, PresenceWatcher } from '../presence/tracker';
import { runScript, script } from './redis';

/*
 * Redis layout (all under the configured prefix):
 *   presence:instances        hash  instanceId -> last heartbeat (ms since the epoch)
 *   presence:alive:<id>       string with a TTL, renewed by the heartbeat
 *   presence:instance:<id>    hash  userId -> sockets of the user on that instance
 *                             (0 = the user left there and that instance runs the grace)
 *   presence:online           hash  userId -> 1 while announced online
 *   channel presence          '1<userId>' / '0<userId>' as that changes; 'r' = reap now
 *
 * Each instance writes only its own hash, with absolute counts from its own memory, so a
 * write can be repeated or the whole hash rewritten (after Redis lost it) safely. Every
 * decision that must happen once (announce online, announce offline, take over a dead
 * instance's users) is one Lua script, which Redis runs atomically. The scripts address
 * keys they compute, so presence needs one Redis server (or a primary), not a cluster.
 */
const PRELUDE = `
local prefix, self = ARGV[1], ARGV[2]
local registry = prefix .. 'presence:instances'
local state = prefix .. 'presence:online'
local channel = prefix .. 'presence'
local function instanceKey(id) return prefix .. 'presence:instance:' .. id end
local own = instanceKey(self)
local function registered() return redis.call('HEXISTS', registry, self) == 1 end
local function total(user)
  local sum = 0
  for _, id in ipairs(redis.call('HKEYS', registry)) do
    local count = redis.call('HGET', instanceKey(id), user)
    if count then sum = sum + tonumber(count) end
  end
  return sum
end
`;

/** -1: this instance is not registered (Redis lost it, or it was taken for dead): sync first. */
const ADD = script(`${PRELUDE}
if not registered() then return -1 end
local user = ARGV[3]
redis.call('HSET', own, user, ARGV[4])
if redis.call('HSET', state, user, '1') == 1 then
  redis.call('PUBLISH', channel, '1' .. user)
  return 1
end
return 0`);

const REMOVE = script(`${PRELUDE}
if not registered() then return -1 end
local user, count = ARGV[3], tonumber(ARGV[4])
if count > 0 then
  redis.call('HSET', own, user, count)
  return 0
end
redis.call('HDEL', own, user)
if total(user) > 0 or redis.call('HEXISTS', state, user) == 0 then return 0 end
-- A grace marker: should this instance die during the grace, whoever reaps it finishes it.
redis.call('HSET', own, user, 0)
return 1`);

const SETTLE = script(`${PRELUDE}
local user = ARGV[3]
if redis.call('HGET', own, user) == '0' then redis.call('HDEL', own, user) end
if total(user) > 0 then return 0 end
if redis.call('HDEL', state, user) == 1 then
  redis.call('PUBLISH', channel, '0' .. user)
  return 1
end
return 0`);

const BEAT = script(`${PRELUDE}
if not registered() then return 0 end
redis.call('HSET', registry, self, ARGV[3])
redis.call('SET', prefix .. 'presence:alive:' .. self, '1', 'PX', ARGV[4])
return 1`);

/**
 * Rewrites this instance's part from memory. Users with sockets here who were not announced
 * online (Redis lost the state, or this instance had been taken for dead and its users
 * announced offline) are returned, to be announced again. Users in their grace here are
 * marked online so that the end of the grace still announces them offline.
 */
const SYNC = script(`${PRELUDE}
redis.call('DEL', own)
redis.call('HSET', registry, self, ARGV[3])
redis.call('SET', prefix .. 'presence:alive:' .. self, '1', 'PX', ARGV[4])
local back = {}
for i = 5, #ARGV, 2 do
  local user, count = ARGV[i], ARGV[i + 1]
  redis.call('HSET', own, user, count)
  if redis.call('HSET', state, user, '1') == 1 then
    redis.call('PUBLISH', channel, '1' .. user)
    if tonumber(count) > 0 then table.insert(back, user) end
  end
end
return back`);

/**
 * Takes over every instance whose heartbeat expired: drops its part, and returns
 * [userId, lastHeartbeat, ...] for its users who are now connected nowhere but announced
 * online. Atomic, so exactly one live instance gets each of them.
 */
const REAP = script(`${PRELUDE}
if not registered() then return {} end
local found = {}
local entries = redis.call('HGETALL', registry)
for i = 1, #entries, 2 do
  local dead, beat = entries[i], entries[i + 1]
  if dead ~= self and redis.call('EXISTS', prefix .. 'presence:alive:' .. dead) == 0 then
    local key = instanceKey(dead)
    local users = redis.call('HKEYS', key)
    redis.call('DEL', key)
    redis.call('HDEL', registry, dead)
    for _, user in ipairs(users) do
      if total(user) == 0 and redis.call('HEXISTS', state, user) == 1 then
        redis.call('HSETNX', own, user, 0)
        table.insert(found, user)
        table.insert(found, beat)
      end
    end
  end
end
return found`);

/** A graceful stop: this instance's users are handed to the others right away. */
const DETACH = script(`${PRELUDE}
if registered() then redis.call('HSET', registry, self, ARGV[3]) end
redis.call('DEL', prefix .. 'presence:alive:' .. self)
redis.call('PUBLISH', channel, 'r')
return 1`);

/** The heartbeat runs this often, and a reap pass follows each beat. */
export function beatIntervalMs(heartbeatTtlMs: number): number {
  return Math.max(250, Math.floor(heartbeatTtlMs / 3));
}

/**
 * The longest a crashed instance's users stay online for the others: the heartbeat key
 * outlives the crash by at most the TTL, the next reap pass comes within one interval,
 * then the offline grace runs.
 */
export function crashOfflineBoundMs(heartbeatTtlMs: number): number {
  return heartbeatTtlMs + beatIntervalMs(heartbeatTtlMs) + LIMITS.presenceOfflineGraceMs;
}

export interface RedisPresenceOptions {
  redis: Redis;
  prefix: string;
  instanceId: string;
  heartbeatTtlMs: number;
  logger: Logger;
}

/**
 * Presence across instances. The instance that holds a user's last socket runs the offline
 * grace (the service's timer); a crashed instance's users are found by whichever instance
 * next notices its heartbeat missing, which then runs their grace.
 */
export class RedisPresenceTracker implements PresenceTracker {
  private readonly redis: Redis;
  private readonly sockets = new Map<string, Set<string>>();
  /** Users whose grace this instance runs, with when they were last seen. */
  private readonly grace = new Map<string, Date>();
  /** Users announced online, mirrored from Redis so REST reads cost nothing. */
  private readonly online = new Set<string>();
  private watcher: PresenceWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private detached = false;

  constructor(private readonly options: RedisPresenceOptions) {
    this.redis = options.redis;
  }

  get channel(): string {
    return `${this.options.prefix}presence`;
  }

  /** The heartbeat period; a reap pass follows each beat. */
  get beatIntervalMs(): number {
    return beatIntervalMs(this.options.heartbeatTtlMs);
  }

  watch(watcher: PresenceWatcher): void {
    this.watcher = watcher;
  }

  /** Registers this instance and starts the heartbeat. */
  async start(): Promise<void> {
    await this.sync();
    await this.reloadOnline();
    await this.reap();
    const tick = () => {
      void this.beat().finally(() => {
        if (!this.detached) this.timer = setTimeout(tick, this.beatIntervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, this.beatIntervalMs).unref();
  }

  /** For the pub/sub subscriber: a change announced by any instance. */
  handleMessage(message: string): void {
    if (message === 'r') {
      void this.reap().catch((err: unknown) => this.warn(err, 'presence reap failed'));
      return;
    }
    const user = message.slice(1);
    if (message.startsWith('1')) this.online.add(user);
    else this.online.delete(user);
  }

  /** After Redis came back: its state may be gone, and messages were missed meanwhile. */
  async resync(): Promise<void> {
    if (this.detached) return;
    await this.sync();
    await this.reloadOnline();
  }

  async add(userId: string, socketId: string): Promise<boolean> {
    let set = this.sockets.get(userId);
    if (!set) {
      set = new Set();
      this.sockets.set(userId, set);
    }
    set.add(socketId);
    this.grace.delete(userId);
    if (this.detached) return false;
    try {
      const result = await this.op(ADD, userId, set.size);
      if (result === 1) this.online.add(userId);
      return result === 1;
    } catch (err) {
      // The next sync (on reconnect) announces the user if nobody else did.
      this.warn(err, 'presence add failed');
      return false;
    }
  }

  async remove(userId: string, socketId: string): Promise<boolean> {
    const set = this.sockets.get(userId);
    if (!set?.delete(socketId)) return false;
    if (set.size === 0) this.sockets.delete(userId);
    if (this.detached) return false;
    try {
      const last = (await this.op(REMOVE, userId, set.size)) === 1;
      if (last) this.grace.set(userId, new Date());
      return last;
    } catch (err) {
      this.warn(err, 'presence remove failed');
      // Assume the worst: the grace runs, and settling decides once Redis answers.
      if (set.size > 0) return false;
      this.grace.set(userId, new Date());
      return true;
    }
  }

  async settleOffline(userId: string): Promise<boolean> {
    if (this.detached) return false;
    // On failure the user stays in `grace` and the next sync starts the grace again.
    const result = await runScript(this.redis, SETTLE, this.args(userId));
    this.grace.delete(userId);
    if (result === 1) this.online.delete(userId);
    return result === 1;
  }

  isOnline(userId: string): boolean {
    return this.online.has(userId);
  }

  /**
   * Stops the heartbeat and hands this instance's users to the others (they run the grace,
   * so a client that moves to another instance shows no flicker). Sockets closed after this
   * are not reported.
   */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    clearTimeout(this.timer);
    await this.syncing;
    await runScript(this.redis, DETACH, [this.options.prefix, this.options.instanceId, Date.now()]);
  }

  private args(...rest: (string | number)[]): (string | number)[] {
    return [this.options.prefix, this.options.instanceId, ...rest];
  }

  private async op(lua: typeof ADD, userId: string, count: number): Promise<number> {
    let result = Number(await runScript(this.redis, lua, this.args(userId, count)));
    if (result === -1) {
      await this.sync();
      result = Number(await runScript(this.redis, lua, this.args(userId, count)));
    }
    return result;
  }

  private async beat(): Promise<void> {
    try {
      const alive = await runScript(
        this.redis,
        BEAT,
        this.args(Date.now(), this.options.heartbeatTtlMs),
      );
      if (alive !== 1) await this.sync();
      await this.reap();
    } catch (err) {
      this.warn(err, 'presence heartbeat failed');
    }
  }

  /** Coalesced: concurrent callers share one rewrite. */
  private sync(): Promise<void> {
    this.syncing ??= this.syncNow().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncNow(): Promise<void> {
    const pairs: (string | number)[] = [];
    for (const [userId, set] of this.sockets) pairs.push(userId, set.size);
    for (const userId of this.grace.keys()) {
      if (!this.sockets.has(userId)) pairs.push(userId, 0);
    }
    const back = (await runScript(
      this.redis,
      SYNC,
      this.args(Date.now(), this.options.heartbeatTtlMs, ...pairs),
    )) as string[];
    for (const userId of this.sockets.keys()) this.online.add(userId);
    for (const userId of back) this.watcher?.back(userId);
    // A settle may have failed while Redis was away: run those graces again.
    for (const [userId, since] of this.grace) this.watcher?.away(userId, since);
  }

  private async reloadOnline(): Promise<void> {
    const users = await this.redis.hkeys(`${this.options.prefix}presence:online`);
    this.online.clear();
    for (const userId of users) this.online.add(userId);
  }

  private async reap(): Promise<void> {
    if (this.detached) return;
    const found = (await runScript(this.redis, REAP, this.args())) as string[];
    for (let i = 0; i + 1 < found.length; i += 2) {
      const userId = found[i] as string;
      const since = new Date(Number(found[i + 1]));
      this.options.logger.debug({ userId }, 'user was on an instance that stopped; grace begins');
      this.grace.set(userId, since);
      this.watcher?.away(userId, since);
    }
  }

  private warn(err: unknown, message: string): void {
    this.options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, message);
  }
}
