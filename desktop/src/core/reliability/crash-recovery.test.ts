/**
 * `kill -9` of the real API process in the middle of a burst: three desktop client cores
 * send 300 messages into one group, the API is killed without warning and started again
 * on the same SQLite file and port. Every message must end up stored exactly once, every
 * member must hold seq 1..300 with no gap and no duplicate, and each sender's messages
 * must be in the order that sender wrote them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort, spawnApi, type ApiProcess } from '@chat/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalMessage } from '../../shared/bridge';
import { makeClient, signUp, unwrap, type TestClient } from '../testing/harness';

const PER_SENDER = 100;
const SENDERS = 3;
const TOTAL = PER_SENDER * SENDERS;

let dir: string;
let url: string;
let env: Record<string, string>;
let api: ApiProcess | null = null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chat-kill9-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // The same port and file across the restart, so the clients reconnect to "the" server.
  env = {
    PORT: String(port),
    DATABASE_URL: `sqlite:${join(dir, 'chat.sqlite')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    // The outboxes resend after the restart in a burst; the limiter is not under test.
    CHAT_RATE_LIMITS: 'off',
  };
  api = await spawnApi(env);
});

afterAll(async () => {
  if (api) await killHard(api);
  rmSync(dir, { recursive: true, force: true });
});

async function killHard(process: ApiProcess): Promise<void> {
  process.kill('SIGKILL');
  await process.exited;
}

/** The latest state of every message a client announced in one conversation. */
function held(client: TestClient, conversationId: string): LocalMessage[] {
  const byKey = new Map<string, LocalMessage>();
  for (const e of client.events) {
    if (e.type === 'message' && e.message.conversationId === conversationId) {
      byKey.set(e.message.key, e.message);
    }
  }
  return [...byKey.values()];
}

function storedCount(client: TestClient, conversationId: string): number {
  return held(client, conversationId).filter((m) => m.seq !== null).length;
}

describe('kill -9 of the API during a 300-message burst', () => {
  it('stores every message once; every member ends with seq 1..N in each sender order', async () => {
    const clients = Array.from({ length: SENDERS }, () => makeClient({ ackTimeoutMs: 3_000 }));
    try {
      const ids: string[] = [];
      for (const client of clients) ids.push(await signUp(client, url));
      const [owner, ...others] = clients as [TestClient, ...TestClient[]];
      const group = unwrap(
        await owner.client.createGroup({ title: 'Crash', memberIds: ids.slice(1) }),
      );
      for (const other of others) {
        await other.waitFor((e) => e.type === 'conversation' && e.conversation.id === group.id);
      }

      // Everyone writes everything at once: the outboxes hold it all before the crash.
      const written = new Map<string, string[]>();
      await Promise.all(
        clients.map(async (client, c) => {
          const bodies: string[] = [];
          for (let i = 1; i <= PER_SENDER; i++) {
            const body = `sender ${c} message ${i}`;
            unwrap(await client.client.sendMessage({ conversationId: group.id, body }));
            bodies.push(body);
          }
          written.set(ids[c] ?? '', bodies);
        }),
      );

      // Kill mid-burst: once some, but not all, messages are acknowledged.
      await owner.until(
        () => storedCount(owner, group.id) >= 40,
        'some messages are stored before the crash',
        30_000,
      );
      const beforeKill = storedCount(owner, group.id);
      if (!api) throw new Error('no API');
      await killHard(api);
      expect(beforeKill).toBeLessThan(TOTAL);
      await new Promise((r) => setTimeout(r, 300));
      api = await spawnApi(env);

      for (const client of clients) {
        await client.until(
          () => client.outboxStorage.snapshot().length === 0,
          'the outbox drains after the restart',
          90_000,
        );
      }
      for (const client of clients) {
        await client.until(
          () => storedCount(client, group.id) === TOTAL,
          `every member holds all ${TOTAL} messages`,
          60_000,
        );
      }

      for (const client of clients) {
        const messages = held(client, group.id).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
        // No duplicate, no gap: seq is exactly 1..N.
        expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
        expect(new Set(messages.map((m) => m.clientId)).size).toBe(TOTAL);
        for (const [senderId, bodies] of written) {
          expect(messages.filter((m) => m.senderId === senderId).map((m) => m.body)).toEqual(
            bodies,
          );
        }
      }

      // And the file itself, read directly after the test's last write.
      const db = new Database(join(dir, 'chat.sqlite'), { readonly: true });
      try {
        const rows = db
          .prepare<[string], { seq: number; sender_id: string; client_id: string }>(
            'SELECT seq, sender_id, client_id FROM messages WHERE conversation_id = ? ORDER BY seq',
          )
          .all(group.id);
        expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
        expect(new Set(rows.map((r) => `${r.sender_id}:${r.client_id}`)).size).toBe(TOTAL);
      } finally {
        db.close();
      }
    } finally {
      for (const client of clients) client.client.close();
    }
  }, 180_000);
});
