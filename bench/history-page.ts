/**
 * Server CPU per REST history page, in-process: the real app on a loopback port (access
 * log on, at `info`, to a file, as `npm run bench` runs it), a direct conversation of 200
 * messages as the bench seeds it, and autocannon (16 connections) in another process
 * asking `GET /api/conversations/:id/messages?limit=50`. Each figure is this process's CPU
 * time over `requests` completed requests, divided by them: the host's load moves it far
 * less than wall time. `rich` also gives the page reactions, edits, a deletion, replies
 * and an attachment, so the paths for those are measured too.
 *
 *   node --import tsx bench/history-page.ts [requests per figure=4000] [figures=3] [plain|rich] [limit=50]
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../api/src/http/logging';
import { openDirect, registerUser, startTestApi, uploadFile } from '@chat/api/testing';

const requests = Number(process.argv[2] ?? 4000);
const figures = Number(process.argv[3] ?? 3);
const page = process.argv[4] ?? 'plain';
const limit = Number(process.argv[5] ?? 50);
if (
  ![requests, figures].every((n) => Number.isInteger(n) && n >= 1) ||
  !/^(plain|rich)$/.test(page)
) {
  throw new Error('usage: history-page.ts [requests >= 1] [figures >= 1] [plain|rich]');
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
  await cannon(url, reader.accessToken, requests);
  const perRequest: string[] = [];
  for (let f = 0; f < figures; f++) {
    const before = process.cpuUsage();
    const done = await cannon(url, reader.accessToken, requests);
    const used = process.cpuUsage(before);
    perRequest.push(((used.user + used.system) / done).toFixed(0));
  }
  console.log(`CPU per history page (µs, ${page}, limit ${limit}): ${perRequest.join(' ')}`);
} finally {
  await api.close();
  logFile.end();
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
