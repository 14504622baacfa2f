/**
 * The REST floor: a bare `node:http` server (keep-alive, no framework, no auth, no store)
 * that answers each recorded path with the very status, headers and body the API answered
 * for it. Driven by the same autocannon settings as the API's reads, its CPU per request is
 * what Node's HTTP and writing that many bytes cost on this machine: to the REST targets
 * what the bare relay is to the message targets.
 *
 *   FLOOR_RESPONSES=responses.json PORT=4101 node --import tsx bench/rest-floor.ts
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { RecordedResponse } from './lib/reads';

const port = Number(process.env.PORT ?? 4101);
const host = process.env.HOST ?? '127.0.0.1';
const file = process.env.FLOOR_RESPONSES;
if (file === undefined) throw new Error('FLOOR_RESPONSES must name the recorded responses');

const recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, RecordedResponse>;
/** Decoded once: per request the floor only writes. */
const answers = new Map(
  Object.entries(recorded).map(([path, r]) => [
    path,
    { status: r.status, headers: r.headers, body: Buffer.from(r.body) },
  ]),
);
const health = Buffer.from('{"status":"ok"}');

createServer((req, res) => {
  const answer = answers.get(req.url ?? '');
  if (answer === undefined) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(health);
    return;
  }
  res.writeHead(answer.status, answer.headers).end(answer.body);
}).listen(port, host);
