/**
 * Server CPU per REST history page, in-process: the real app on a loopback port (access
 * log on, at `info`, to a file, as `npm run bench` runs it), a direct conversation of 200
 * messages as the bench seeds it, and autocannon (16 connections) in another process
 * asking `GET /api/conversations/:id/messages?limit=50`. Each figure is this process's CPU
 * time over `requests` completed requests, divided by them: the host's load moves it far
 * less than wall time. `rich` also gives the page reactions, edits, a deletion, replies
 * and an attachment, so the paths for those are measured too.
 *
 * `layers` takes the plain page apart: each figure measures, in turn on the same
 * connections' settings, the app (`app`), the app whose history service answers the
 * page's bytes as captured once (`stack`: every middleware, the token's check, the
 * router and the query's validation, but neither the membership check nor the store),
 * a bare Koa app answering those bytes with the same headers (`koa`), and a bare
 * `node:http` server doing the same (`floor`), so what the app's own stack costs beside
 * Koa and Node reads off one run.
 *
 *   node --import tsx bench/history-page.ts [requests per figure=4000] [figures=3] [plain|rich|layers] [limit=50]
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Koa from 'koa';
import { createLogger } from '../api/src/http/logging';
import { openDirect, registerUser, startTestApi, uploadFile } from '@chat/api/testing';

const requests = Number(process.argv[2] ?? 4000);
const figures = Number(process.argv[3] ?? 3);
const page = process.argv[4] ?? 'plain';
const limit = Number(process.argv[5] ?? 50);
if (
  ![requests, figures].every((n) => Number.isInteger(n) && n >= 1) ||
  !/^(plain|rich|layers)$/.test(page)
) {
  throw new Error('usage: history-page.ts [requests >= 1] [figures >= 1] [plain|rich|layers]');
}
const HISTORY_MESSAGES = 200;

const logFile = createWriteStream(
  join(process.env.TMPDIR ?? '/tmp', `history-page-${process.pid}.log`),
);
const api = await startTestApi({
  config: { rateLimits: false },
  logger: createLogger('info', logFile),
});
try {
  const reader = await registerUser(api);
  const writer = await registerUser(api);
  const direct = await openDirect(api, reader.accessToken, writer.user.id);
  const messages = api.app.services.messages;
  for (let i = 0; i < HISTORY_MESSAGES; i++) {
    const sender = i % 2 === 0 ? reader : writer;
    await messages.send(sender.user.id, direct.id, {
      clientId: `bench-${i}`,
      body: `history message ${i}: a line of ordinary chat text`,
    });
  }
  if (page === 'rich') await enrich(direct.id, reader, writer);
  const url = `${api.url}/api/conversations/${direct.id}/messages?limit=${limit}`;
  if (page === 'layers') await layers(url, reader.accessToken);
  else await measure(url, reader.accessToken);
} finally {
  await api.close();
  logFile.end();
}

async function measure(url: string, token: string) {
  await cannon(url, token, requests);
  const perRequest: string[] = [];
  for (let f = 0; f < figures; f++) {
    const before = process.cpuUsage();
    const done = await cannon(url, token, requests);
    const used = process.cpuUsage(before);
    perRequest.push(((used.user + used.system) / done).toFixed(0));
  }
  console.log(`CPU per history page (µs, ${page}, limit ${limit}): ${perRequest.join(' ')}`);
}

/** The `layers` figures: the app, its stack alone, a bare Koa app, a bare node:http server. */
async function layers(url: string, token: string) {
  const reply = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (reply.status !== 200) throw new Error(`the page answered ${reply.status}`);
  const body = Buffer.from(await reply.arrayBuffer());
  // What either bare server sends besides the body: the app's headers but those Node
  // writes itself for each response.
  const headers = [...reply.headers].filter(
    ([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name),
  );
  const koa = new Koa();
  koa.use((ctx) => {
    for (const [name, value] of headers) ctx.set(name, value);
    ctx.body = body;
  });
  const handleKoa = koa.callback();
  const servers = {
    koa: await listening(
      createServer((req, res) => {
        void handleKoa(req, res);
      }),
    ),
    floor: await listening(
      createServer((_req, res) => {
        for (const [name, value] of headers) res.setHeader(name, value);
        res.end(body);
      }),
    ),
  };
  const path = new URL(url).pathname + new URL(url).search;
  const messages = api.app.services.messages;
  const fixed = () => Promise.resolve(body);
  const kinds = ['app', 'stack', 'koa', 'floor'] as const;
  const figuresOf = new Map<string, string[]>(kinds.map((kind) => [kind, []]));
  try {
    for (let f = 0; f <= figures; f++) {
      for (const kind of kinds) {
        const target = kind === 'app' || kind === 'stack' ? url : `${servers[kind].url}${path}`;
        if (kind === 'stack') messages.historyJson = fixed;
        const before = process.cpuUsage();
        const done = await cannon(target, token, requests);
        const used = process.cpuUsage(before);
        if (kind === 'stack') Reflect.deleteProperty(messages, 'historyJson');
        // The first round warms each server up and is not counted.
        if (f > 0) figuresOf.get(kind)?.push(((used.user + used.system) / done).toFixed(0));
      }
    }
  } finally {
    Reflect.deleteProperty(messages, 'historyJson');
    await Promise.all(
      Object.values(servers).map(
        ({ server }) => new Promise((closed) => server.close(closed).closeAllConnections()),
      ),
    );
  }
  const rows = kinds.map((kind) => `${kind} ${figuresOf.get(kind)?.join(' ') ?? ''}`);
  console.log(
    `CPU per history page (µs, limit ${limit}, ${body.length} bytes): ${rows.join('; ')}`,
  );
}

async function listening(server: Server): Promise<{ server: Server; url: string }> {
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Reactions, edits, a deletion, replies (one to the deleted message) and an attachment. */
async function enrich(
  conversationId: string,
  reader: Awaited<ReturnType<typeof registerUser>>,
  writer: Awaited<ReturnType<typeof registerUser>>,
) {
  const messages = api.app.services.messages;
  const last = HISTORY_MESSAGES;
  for (let seq = last - 40; seq <= last; seq += 5) {
    await messages.react(writer.user.id, conversationId, seq, '👍', true);
    await messages.react(reader.user.id, conversationId, seq, '👍', true);
  }
  await messages.edit(reader.user.id, conversationId, last - 1, 'edited "quote" \\ \n text');
  await messages.send(writer.user.id, conversationId, {
    clientId: 'bench-reply-1',
    body: 'a reply',
    replyToSeq: last - 3,
  });
  await messages.send(writer.user.id, conversationId, {
    clientId: 'bench-reply-2',
    body: 'another reply',
    replyToSeq: last - 5,
  });
  await messages.remove(reader.user.id, conversationId, last - 5);
  const upload = await uploadFile(api, reader.accessToken, Buffer.from('notes'), 'notes.txt');
  await messages.send(reader.user.id, conversationId, {
    clientId: 'bench-attachment',
    body: 'with a file',
    attachmentIds: [upload.body.id],
  });
}

/** autocannon in a child process until `amount` requests are done; the count done. */
function cannon(url: string, token: string, amount: number): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(
      join(import.meta.dirname, '..', 'node_modules', '.bin', 'autocannon'),
      ['-c', '16', '-a', String(amount), '-j', '-H', `authorization=Bearer ${token}`, url],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', fail);
    child.on('exit', () => {
      try {
        const result = JSON.parse(out) as { requests: { total: number }; non2xx: number };
        if (result.non2xx > 0) throw new Error(`${result.non2xx} answers were not 2xx`);
        done(result.requests.total);
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}
