/**
 * CPU of the conversation list in-process, seeded as `npm run bench`'s `list` part seeds it
 * (a user in `conversations` conversations, a fifth of them groups of six, three messages
 * each): the service alone (`ConversationsService.list`, no HTTP), then whole requests
 * (`GET /api/conversations?limit=200[&members=ids]`) driven by autocannon in another
 * process while this process's CPU is taken with `process.cpuUsage`. Figures alternate the
 * forms, so a change of the host's load moves both alike.
 *
 *   node --import tsx bench/list-request.ts [calls per figure=500] [figures=3] [requests per figure=3000]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LIMITS } from '@chat/protocol';
import { startTestApi } from '@chat/api/testing';
import { seedReads } from './lib/reads';
import { ROOT } from './lib/processes';

const calls = Number(process.argv[2] ?? 500);
const figures = Number(process.argv[3] ?? 3);
const requests = Number(process.argv[4] ?? 3000);
const conversations = 200;

/** The forms a client can ask for: the default (members as users), and members as ids. */
const FORMS = [
  { name: 'users', members: 'users' },
  { name: 'ids', members: 'ids' },
] as const;
type Members = (typeof FORMS)[number]['members'];

/** CPU µs per call of `run`, over `count` calls one after another. */
async function cpuPerCall(count: number, run: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

/** Sends `amount` GETs of `url` with autocannon (another process, 8 connections). */
function autocannon(url: string, token: string, amount: number): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(
      join(ROOT, 'node_modules', '.bin', 'autocannon'),
      ['-c', '8', '-a', String(amount), '-H', `authorization=Bearer ${token}`, url],
      { stdio: 'ignore' },
    );
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0 ? done() : fail(new Error(`autocannon exited ${code}`)),
    );
  });
}

const api = await startTestApi({ config: { rateLimits: false } });
try {
  const seed = await seedReads({
    databaseUrl: api.config.databaseUrl,
    jwtSecret: api.config.jwtSecret,
    historyMessages: 0,
    conversations,
  });
  const reader = await api.store.users.findByUsername('list-reader');
  if (!reader) throw new Error('the list reader was not seeded');
  const service = api.app.services.conversations;
  const query = (members: Members) => ({ limit: LIMITS.conversationListLimitMax, members });
  // The default form is asked for as clients without the extension ask, with no `members`.
  const path = (members: Members) =>
    `${api.url}/api/conversations?limit=${LIMITS.conversationListLimitMax}${members === 'ids' ? '&members=ids' : ''}`;
  for (const form of FORMS) {
    const response = await fetch(path(form.members), {
      headers: { authorization: `Bearer ${seed.list.token}` },
    });
    const body = await response.text();
    console.log(`${form.name}: ${response.status}, ${body.length} bytes`);
    // Warm-up: the service, then requests, so neither figure measures unoptimised code.
    await cpuPerCall(calls, () => service.list(reader.id, query(form.members)));
    await autocannon(path(form.members), seed.list.token, Math.ceil(requests / 3));
  }
  const serviceFigures = new Map<string, string[]>(FORMS.map((f) => [f.name, []]));
  const textFigures = new Map<string, string[]>(FORMS.map((f) => [f.name, []]));
  const requestFigures = new Map<string, string[]>(FORMS.map((f) => [f.name, []]));
  for (let f = 0; f < figures; f++) {
    for (const form of FORMS) {
      const perCall = await cpuPerCall(calls, () => service.list(reader.id, query(form.members)));
      serviceFigures.get(form.name)?.push(perCall.toFixed(0));
      // The answer as the route gives it (from kept views where the store allows).
      const perText = await cpuPerCall(calls, () =>
        service.listText(reader.id, query(form.members)),
      );
      textFigures.get(form.name)?.push(perText.toFixed(0));
      const before = process.cpuUsage();
      await autocannon(path(form.members), seed.list.token, requests);
      const used = process.cpuUsage(before);
      requestFigures.get(form.name)?.push(((used.user + used.system) / requests).toFixed(0));
    }
  }
  for (const form of FORMS) {
    console.log(
      `${form.name}: service ${serviceFigures.get(form.name)?.join(' ')} µs; text ${textFigures.get(form.name)?.join(' ')} µs; request ${requestFigures.get(form.name)?.join(' ')} µs CPU`,
    );
  }
} finally {
  await api.close();
}
