import { describe, expect, it } from 'vitest';
import type { Message } from '@chat/protocol';
import { backoffDelay, type Clock } from './clock';
import { ClientError, clientError } from './errors';
import { Outbox, type OutboxTransport } from './outbox';
import { MemoryOutboxStorage } from './storage/memory';
import type { OutboxChangeEntry, OutboxEntry } from './storage/outbox';

/** Timers fire on the next macrotask; the delays asked for are recorded. */
function fastClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now(),
    setTimeout: (cb, ms) => {
      delays.push(ms);
      return setTimeout(cb, 0);
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}

/**
 * A server stand-in with the contract's idempotency: one stored message per clientId,
 * seq per conversation. `behave` can fail a given attempt.
 */
function fakeServer(
  behave: (entry: OutboxEntry, attempt: number) => Error | null = () => null,
  behaveChange: (entry: OutboxChangeEntry, attempt: number) => Error | null = () => null,
) {
  const stored = new Map<string, Message>();
  const applied: OutboxChangeEntry[] = [];
  const seqs = new Map<string, number>();
  const attempts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  let maxInFlight = 0;
  let ready = true;
  const transport: OutboxTransport = {
    ready: () => ready,
    async send(entry) {
      const attempt = (attempts.get(entry.clientId) ?? 0) + 1;
      attempts.set(entry.clientId, attempt);
      const n = (inFlight.get(entry.conversationId) ?? 0) + 1;
      inFlight.set(entry.conversationId, n);
      maxInFlight = Math.max(maxInFlight, n);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight.set(entry.conversationId, n - 1);
      const failure = behave(entry, attempt);
      if (failure) throw failure;
      const existing = stored.get(entry.clientId);
      if (existing) return existing;
      const seq = (seqs.get(entry.conversationId) ?? 0) + 1;
      seqs.set(entry.conversationId, seq);
      const message: Message = {
        id: `m-${entry.clientId}`,
        conversationId: entry.conversationId,
        seq,
        senderId: 'me',
        clientId: entry.clientId,
        body: entry.body,
        createdAt: new Date().toISOString(),
        kind: 'text',
        system: null,
        rev: seq,
        editedAt: null,
        deletedAt: null,
        replyTo: null,
        reactions: [],
        mentions: [],
        attachments: [],
      };
      stored.set(entry.clientId, message);
      return message;
    },
    async apply(entry) {
      const attempt = (attempts.get(entry.clientId) ?? 0) + 1;
      attempts.set(entry.clientId, attempt);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const failure = behaveChange(entry, attempt);
      if (failure) throw failure;
      applied.push(entry);
      return null;
    },
  };
  return {
    transport,
    stored,
    applied,
    attempts,
    setReady: (value: boolean) => (ready = value),
    maxInFlight: () => maxInFlight,
    bodies: (conversationId: string) =>
      [...stored.values()]
        .filter((m) => m.conversationId === conversationId)
        .sort((a, b) => a.seq - b.seq)
        .map((m) => m.body),
  };
}

function makeOutbox(
  transport: OutboxTransport,
  storage = new MemoryOutboxStorage(),
  clock = fastClock(),
) {
  const acked: Message[] = [];
  const changed: OutboxEntry[] = [];
  const events: string[] = [];
  const outbox = new Outbox(storage, transport, clock, {
    changed: (e) => changed.push(e),
    stored: (_e, m) => acked.push(m),
    removed: () => undefined,
    changeQueued: (e) => events.push(`queued ${e.change.kind}`),
    changeApplied: (e) => events.push(`applied ${e.change.kind}`),
    changeRefused: (e, error) => events.push(`refused ${e.change.kind} ${error.code}`),
  });
  outbox.setAccount('server me');
  return { outbox, storage, acked, changed, clock, events };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('outbox', () => {
  it('messages written offline go out in writing order, one in flight per conversation, once each', async () => {
    const server = fakeServer();
    server.setReady(false);
    const { outbox, storage, acked } = makeOutbox(server.transport);
    for (let i = 1; i <= 20; i++) await outbox.enqueue('a', `a${i}`, new Date());
    for (let i = 1; i <= 5; i++) await outbox.enqueue('b', `b${i}`, new Date());
    expect(storage.snapshot()).toHaveLength(25);
    expect(server.stored.size).toBe(0);

    server.setReady(true);
    outbox.kickAll();
    await until(() => acked.length === 25, 'all acknowledged');

    expect(server.bodies('a')).toEqual(Array.from({ length: 20 }, (_, i) => `a${i + 1}`));
    expect(server.bodies('b')).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
    expect(server.maxInFlight()).toBe(1);
    expect([...server.attempts.values()].every((n) => n === 1)).toBe(true);
    expect(storage.snapshot()).toEqual([]);
  });

  it('an unacknowledged message is resent with the SAME clientId and stored once', async () => {
    const server = fakeServer((_entry, attempt) =>
      attempt === 1 ? clientError('timeout', 'no ack') : null,
    );
    const { outbox, acked } = makeOutbox(server.transport);
    const entry = await outbox.enqueue('a', 'hello', new Date());
    await until(() => acked.length === 1, 'acknowledged');

    expect(server.attempts.get(entry.clientId)).toBe(2);
    expect(server.stored.size).toBe(1);
    expect(acked[0]?.clientId).toBe(entry.clientId);
  });

  it('a permanent refusal marks the message failed with the reason, keeps it, and does not block later ones', async () => {
    const server = fakeServer((entry) =>
      entry.body === 'refused'
        ? new ClientError({ code: 'forbidden', message: 'not a member' }, 403)
        : null,
    );
    const { outbox, storage, acked, changed } = makeOutbox(server.transport);
    const refused = await outbox.enqueue('a', 'refused', new Date());
    await outbox.enqueue('a', 'after', new Date());
    await until(() => acked.length === 1, 'the later message acknowledged');

    const failed = changed.find((e) => e.clientId === refused.clientId && e.failed !== null);
    expect(failed?.failed).toEqual({ code: 'forbidden', message: 'not a member' });
    expect(storage.snapshot().map((e) => [e.body, e.failed?.code])).toEqual([
      ['refused', 'forbidden'],
    ]);
    expect(acked.map((m) => m.body)).toEqual(['after']);
    await expect(outbox.discard(refused.clientId)).resolves.toBeUndefined();
    expect(storage.snapshot()).toEqual([]);
  });

  it('a failed message can be retried and is then sent', async () => {
    let refuse = true;
    const server = fakeServer(() =>
      refuse ? new ClientError({ code: 'not_found', message: 'gone' }, 404) : null,
    );
    const { outbox, acked, changed } = makeOutbox(server.transport);
    const entry = await outbox.enqueue('a', 'again', new Date());
    await until(() => changed.some((e) => e.failed !== null), 'failed');
    refuse = false;
    await outbox.retry(entry.clientId);
    await until(() => acked.length === 1, 'sent after retry');
    expect(acked[0]?.clientId).toBe(entry.clientId);
  });

  it('429 waits at least Retry-After before sending again', async () => {
    const server = fakeServer((_e, attempt) =>
      attempt === 1
        ? new ClientError({ code: 'rate_limited', message: 'slow down', retryAfterSeconds: 7 }, 429)
        : null,
    );
    const { outbox, acked, clock } = makeOutbox(server.transport);
    await outbox.enqueue('a', 'x', new Date());
    await until(() => acked.length === 1, 'sent');
    expect(Math.max(...clock.delays)).toBeGreaterThanOrEqual(7_000);
  });

  it('503 unavailable (the server has no database for now) is resent, never marked failed', async () => {
    const server = fakeServer((_e, attempt) =>
      attempt <= 2
        ? new ClientError(
            { code: 'unavailable', message: 'database down', retryAfterSeconds: 5 },
            503,
          )
        : null,
    );
    const { outbox, acked, changed, clock } = makeOutbox(server.transport);
    const entry = await outbox.enqueue('a', 'during an election', new Date());
    await until(() => acked.length === 1, 'sent once the database is back');
    expect(acked[0]?.clientId).toBe(entry.clientId);
    expect(changed.some((e) => e.failed !== null)).toBe(false);
    expect(Math.max(...clock.delays)).toBeGreaterThanOrEqual(5_000);
  });

  it('pending messages survive a restart and are sent by the next instance with their clientIds', async () => {
    const server = fakeServer();
    server.setReady(false);
    const first = makeOutbox(server.transport);
    const entries: OutboxEntry[] = [];
    for (let i = 1; i <= 3; i++) entries.push(await first.outbox.enqueue('a', `m${i}`, new Date()));
    const written = entries.map((e) => e.clientId);
    first.outbox.stop();

    const second = makeOutbox(server.transport, first.storage);
    await second.outbox.load();
    expect(second.outbox.pending().map((e) => e.clientId)).toEqual(written);
    server.setReady(true);
    second.outbox.kickAll();
    await until(() => second.acked.length === 3, 'sent after restart');
    expect(second.acked.map((m) => m.clientId)).toEqual(written);
    // A new message after the restart sorts after the old ones.
    const later = await second.outbox.enqueue('a', 'm4', new Date());
    expect(later.order).toBeGreaterThan(Math.max(...entries.map((e) => e.order)));
  });

  it("another account's messages wait for their owner", async () => {
    const server = fakeServer();
    const { outbox, acked } = makeOutbox(server.transport);
    server.setReady(false);
    await outbox.enqueue('a', 'mine', new Date());
    outbox.setAccount('server someone-else');
    server.setReady(true);
    // A message of the signed-in account in the same conversation, written after: by the
    // time it is sent, one of another account would have gone first (writing order).
    await outbox.enqueue('a', 'theirs', new Date());
    outbox.kickAll();
    await until(() => acked.length === 1, "the signed-in account's message sent");
    expect(acked.map((m) => m.body)).toEqual(['theirs']);
    outbox.setAccount('server me');
    outbox.kickAll();
    await until(() => acked.length === 2, 'sent to its owner');
    expect(acked.map((m) => m.body)).toEqual(['theirs', 'mine']);
  });
});

describe('outbox per account', () => {
  it("counts and discards one account's unsent messages, leaving every other account's", async () => {
    const server = fakeServer();
    server.setReady(false);
    const { outbox, storage } = makeOutbox(server.transport);
    await outbox.enqueue('a', 'mine 1', new Date());
    await outbox.enqueue('b', 'mine 2', new Date());
    outbox.setAccount('server other');
    const theirs = await outbox.enqueue('a', 'theirs', new Date());
    expect(await outbox.unsentCount('server me')).toBe(2);
    expect(await outbox.unsentCount('server other')).toBe(1);

    // The signed-in account may still be sending: it is not discarded under its feet.
    await expect(outbox.discardAccount('server other')).rejects.toMatchObject({
      info: { code: 'conflict' },
    });
    await outbox.discardAccount('server me');
    expect(storage.snapshot().map((e) => e.clientId)).toEqual([theirs.clientId]);
    outbox.setAccount('server me');
    expect(outbox.pending()).toEqual([]);
    expect(await outbox.unsentCount('server me')).toBe(0);
  });
});

describe('outbox: changes made offline (version 3)', () => {
  it('applies edits, deletions and reactions once each, in order, after the pending messages of the conversation', async () => {
    const server = fakeServer();
    server.setReady(false);
    const { outbox, events } = makeOutbox(server.transport);
    await outbox.enqueueChange('a', { kind: 'react', seq: 1, emoji: '👍', on: true }, new Date());
    await outbox.enqueue('a', 'written after the reaction', new Date());
    await outbox.enqueueChange('a', { kind: 'edit', seq: 1, body: 'fixed' }, new Date());
    await outbox.enqueueChange('a', { kind: 'delete', seq: 2 }, new Date());
    expect(outbox.holdsUp('a')).toBe(true);
    expect(outbox.holdsUp('b')).toBe(false);

    server.setReady(true);
    outbox.kickAll();
    await until(() => server.applied.length === 3, 'every change applied');
    expect(server.stored.size).toBe(1);
    // The message went first; then the changes in the order they were made.
    expect(server.attempts.size).toBe(4);
    expect(server.applied.map((e) => e.change.kind)).toEqual(['react', 'edit', 'delete']);
    expect(events).toEqual([
      'queued react',
      'queued edit',
      'queued delete',
      'applied react',
      'applied edit',
      'applied delete',
    ]);
    expect(outbox.pendingChanges()).toEqual([]);
    expect(outbox.holdsUp('a')).toBe(false);
  });

  it('a transient failure retries the change; a refusal drops it with the reason and does not block the next', async () => {
    const server = fakeServer(
      () => null,
      (entry, attempt) => {
        if (entry.change.kind === 'edit' && attempt === 1) return clientError('timeout', 'no ack');
        if (entry.change.kind === 'delete') {
          return new ClientError({ code: 'forbidden', message: 'not yours' }, 403);
        }
        return null;
      },
    );
    server.setReady(false);
    const { outbox, events, storage } = makeOutbox(server.transport);
    await outbox.enqueueChange('a', { kind: 'edit', seq: 1, body: 'fixed' }, new Date());
    await outbox.enqueueChange('a', { kind: 'delete', seq: 2 }, new Date());
    await outbox.enqueueChange('a', { kind: 'react', seq: 3, emoji: '🎉', on: false }, new Date());
    server.setReady(true);
    outbox.kickAll();
    await until(() => outbox.pendingChanges().length === 0, 'the outbox empty');
    expect(events.slice(3)).toEqual(['applied edit', 'refused delete forbidden', 'applied react']);
    expect(server.applied.map((e) => e.change.kind)).toEqual(['edit', 'react']);
    expect(storage.snapshotChanges()).toEqual([]);
  });

  it('changes survive a restart and are applied by the next instance', async () => {
    const server = fakeServer();
    server.setReady(false);
    const first = makeOutbox(server.transport);
    await first.outbox.enqueueChange('a', { kind: 'edit', seq: 4, body: 'later' }, new Date());
    first.outbox.stop();

    const second = makeOutbox(server.transport, first.storage);
    await second.outbox.load();
    expect(second.outbox.pendingChanges().map((e) => e.change)).toEqual([
      { kind: 'edit', seq: 4, body: 'later' },
    ]);
    expect(await second.outbox.unsentCount('server me')).toBe(1);
    server.setReady(true);
    second.outbox.kickAll();
    await until(() => server.applied.length === 1, 'the edit applied');
    expect(first.storage.snapshotChanges()).toEqual([]);
  });

  it('a change cannot be retried or discarded as if it were a message', async () => {
    const server = fakeServer();
    server.setReady(false);
    const { outbox } = makeOutbox(server.transport);
    const change = await outbox.enqueueChange('a', { kind: 'delete', seq: 1 }, new Date());
    await expect(outbox.discard(change.clientId)).rejects.toMatchObject({
      info: { code: 'not_found' },
    });
  });
});

describe('backoffDelay', () => {
  it('grows exponentially, stays within [ceiling/2, ceiling] and never exceeds the cap', () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 1)).toBe(4_000);
    expect(backoffDelay(20, 500, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 500, 30_000, () => 0)).toBe(15_000);
  });
});
