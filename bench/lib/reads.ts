import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createAccessTokens } from '../../api/src/auth/tokens';
import { openStore } from '../../api/src/store';
import type { SqliteStore } from '../../api/src/store/sqlite';
import { ROOT, cpuSeconds } from './processes';

/**
 * What the REST read parts of the bench need: a conversation with more history than one
 * page, and a user in many conversations that each have a last message (and unread ones).
 */
export interface ReadsSeed {
  /** A direct conversation with `historyMessages` messages, and a token of one member. */
  history: { conversationId: string; token: string };
  /** A user in `conversations` conversations (a fifth of them groups), and their token. */
  list: { token: string; conversations: number };
}

const GROUP_SIZE = 6;
const MESSAGES_PER_CONVERSATION = 3;

/**
 * Seeds the read workloads straight into the SQLite file before the API starts (the other
 * parts' seed leaves every conversation empty, so with `BENCH_ONLY=rest` a history page
 * would be an empty list). Messages go through the store's own append, so they are laid
 * out exactly as the API writes them.
 */
export async function seedReads(options: {
  databaseUrl: string;
  jwtSecret: string;
  historyMessages: number;
  conversations: number;
}): Promise<ReadsSeed> {
  const store = await openStore(options.databaseUrl);
  // The seeding connection alone skips fsyncs; the API opens its own with synchronous=FULL.
  if (store.kind === 'sqlite') (store as SqliteStore).database.pragma('synchronous = OFF');
  const tokens = createAccessTokens({
    secret: options.jwtSecret,
    ttlSeconds: 15 * 60,
    clock: Date.now,
  });
  const refreshExpiresAt = new Date(Date.now() + 86_400_000);
  const newUser = (username: string) =>
    store.users.create({ username, displayName: username, passwordHash: 'not-used' });
  const tokenFor = async (userId: string) => {
    const session = await store.sessions.create({ userId, refreshExpiresAt });
    return (await tokens.sign(userId, session.id)).token;
  };
  let clientId = 0;
  const say = (conversationId: string, senderId: string, body: string) =>
    store.messages.append({ conversationId, senderId, clientId: `seed-${clientId++}`, body });

  try {
    const historian = await newUser('history-reader');
    const other = await newUser('history-writer');
    const { conversation: history } = await store.conversations.findOrCreateDirect(
      historian.id,
      other.id,
    );
    for (let i = 0; i < options.historyMessages; i++) {
      const sender = i % 2 === 0 ? historian.id : other.id;
      await say(history.id, sender, `history message ${i}: a line of ordinary chat text`);
    }

    const reader = await newUser('list-reader');
    const peers: Awaited<ReturnType<typeof newUser>>[] = [];
    for (let i = 0; i < options.conversations; i++) peers.push(await newUser(`list-peer${i}`));
    const groups = Math.floor(options.conversations / 5);
    for (let i = 0; i < options.conversations; i++) {
      const peer = peers[i];
      if (peer === undefined) break;
      let conversationId: string;
      if (i < groups) {
        const others = Array.from(
          { length: GROUP_SIZE - 1 },
          (_, k) => peers[(i + k) % peers.length]?.id ?? peer.id,
        );
        const group = await store.conversations.createGroup({
          title: `group ${i}`,
          memberIds: [reader.id, ...new Set(others)],
        });
        conversationId = group.id;
      } else {
        const { conversation } = await store.conversations.findOrCreateDirect(reader.id, peer.id);
        conversationId = conversation.id;
      }
      // The last word is the peer's, so most conversations show unread messages.
      for (let k = 0; k < MESSAGES_PER_CONVERSATION; k++) {
        const sender = k === MESSAGES_PER_CONVERSATION - 1 ? peer.id : reader.id;
        await say(conversationId, sender, `message ${k} in conversation ${i}`);
      }
    }
    return {
      history: { conversationId: history.id, token: await tokenFor(historian.id) },
      list: { token: await tokenFor(reader.id), conversations: options.conversations },
    };
  } finally {
    await store.close();
  }
}

export interface ReadMeasure {
  requestsPerSec: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Server CPU (all threads, from /proc) over the measured run, per completed request. */
  cpuMicrosPerRequest: number;
}

function autocannon(
  url: string,
  token: string,
  seconds: number,
  connections: number,
): Promise<{ requestsPerSec: number; total: number; p99: number; errors: number; non2xx: number }> {
  return new Promise((done, fail) => {
    const child = spawn(
      join(ROOT, 'node_modules', '.bin', 'autocannon'),
      [
        '-j',
        '-c',
        String(connections),
        '-d',
        String(seconds),
        '-H',
        `authorization=Bearer ${token}`,
        url,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => {
      try {
        const parsed = JSON.parse(out) as {
          requests: { average: number; total: number };
          latency: { p99: number };
          errors: number;
          non2xx: number;
        };
        done({
          requestsPerSec: Math.round(parsed.requests.average),
          total: parsed.requests.total,
          p99: parsed.latency.p99,
          errors: parsed.errors,
          non2xx: parsed.non2xx,
        });
      } catch {
        fail(new Error(`autocannon exited with ${code} and no JSON result`));
      }
    });
  });
}

/**
 * Requests/s, p99 and the server's CPU per request for one authenticated GET, after a
 * short warm-up run (so a `BENCH_ONLY` run does not measure an unoptimised server).
 */
export async function measureRead(options: {
  url: string;
  token: string;
  pid: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}): Promise<ReadMeasure> {
  const { url, token, pid, connections } = options;
  if (options.warmupSeconds > 0) {
    await autocannon(url, token, Math.max(1, Math.round(options.warmupSeconds)), connections);
  }
  const before = cpuSeconds(pid);
  const run = await autocannon(url, token, options.seconds, connections);
  const cpu = cpuSeconds(pid) - before;
  return {
    requestsPerSec: run.requestsPerSec,
    p99: run.p99,
    errors: run.errors,
    non2xx: run.non2xx,
    cpuMicrosPerRequest: run.total > 0 ? Math.round((cpu * 1e6) / run.total) : Number.NaN,
  };
}

/** One answer of the API as the REST floor replays it. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers Node writes by itself on every response; the floor's own are as costly. */
const PER_CONNECTION_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** Fetches one authenticated GET from the API, so the floor can answer with its bytes. */
export async function recordResponse(url: string, token: string): Promise<RecordedResponse> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!PER_CONNECTION_HEADERS.has(name)) headers[name] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}
