/**
 * Message changes made through two stores on one database at once, as two API instances
 * make them: part of the store contract wherever the adapter can open a second store
 * (`OpenAnother`). The final state must not depend on which instance a change went
 * through or how the changes interleaved, no update may be lost, and revs must be given
 * in the order the changes become visible, so a client catching up with `changedAfter`
 * never skips one.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type {
  ConversationRecord,
  MessageChange,
  MessageRecord,
  Store,
  UserRecord,
} from '../src/store/types';

export interface CrossStoreFixtures {
  store: () => Store;
  openAnother: (store: Store) => Promise<Store>;
  user: (username: string) => Promise<UserRecord>;
}

export function describeChangesAcrossStores({
  store,
  openAnother,
  user,
}: CrossStoreFixtures): void {
  /** Runs `test` with the suite's store and a second one on its database, then closes it. */
  async function withTwo(test: (stores: [Store, Store]) => Promise<void>): Promise<void> {
    const other = await openAnother(store());
    try {
      await test([store(), other]);
    } finally {
      await other.close();
    }
  }

  async function send(
    through: Store,
    conversation: ConversationRecord,
    sender: UserRecord,
    body: string,
  ): Promise<MessageRecord> {
    const { message } = await through.messages.append({
      conversationId: conversation.id,
      senderId: sender.id,
      clientId: randomUUID(),
      body,
    });
    return message;
  }

  /** The instance the `i`th operation goes through: alternating. */
  const pick = (stores: [Store, Store], i: number): Store => (i % 2 === 0 ? stores[0] : stores[1]);

  const revsOf = (outcomes: readonly MessageChange[]): number[] =>
    outcomes.flatMap((o) => (o.status === 'changed' ? [o.message.rev] : []));

  /** What both stores hold: the same, read through either. */
  async function agreed(stores: [Store, Store], conversationId: string) {
    const [first, second] = await Promise.all(
      stores.map((s) => s.messages.list(conversationId, { limit: 500, changedAfter: 0 })),
    );
    expect(second).toEqual(first);
    const revs = (first ?? []).map((m) => m.rev);
    // Strictly increasing: no rev given twice, listed in rev order.
    expect(revs).toEqual([...new Set(revs)].sort((a, b) => a - b));
    return first ?? [];
  }

  describe('message changes through two stores at once', () => {
    it('keeps every reaction of many people reacting through both, each with its own rev', async () => {
      await withTwo(async (stores) => {
        const people = await Promise.all(Array.from({ length: 12 }, (_, i) => user(`crowd${i}`)));
        const [first] = people;
        if (!first) throw new Error('no people');
        const group = await stores[0].conversations.createGroup({
          title: 'Crowd',
          memberIds: people.map((p) => p.id),
        });
        await send(stores[0], group, first, 'react to me');
        const react = (via: number, userId: string, emoji: string, on = true) =>
          pick(stores, via).messages.react(group.id, 1, { userId, emoji, on });

        const added = await Promise.all(
          people.flatMap((person, i) => [
            react(i, person.id, '👍'),
            react(i + 1, person.id, '🎉'),
            // The same reaction again through the other instance (a retry): no change.
            react(i + 1, person.id, '👍'),
          ]),
        );
        expect(revsOf(added)).toHaveLength(24);
        // Then each takes 👍 back through one instance while adding 😀 through the other.
        const second = await Promise.all(
          people.flatMap((person, i) => [
            react(i + 1, person.id, '👍', false),
            react(i, person.id, '😀'),
          ]),
        );
        const revs = [...revsOf(added), ...revsOf(second)];
        expect(revs).toHaveLength(48);
        expect(new Set(revs).size).toBe(48);

        const [message] = await agreed(stores, group.id);
        const everyone = people.map((p) => p.id).sort();
        expect(message?.reactions.map((r) => r.emoji)).toEqual(['🎉', '😀']);
        for (const reaction of message?.reactions ?? []) {
          expect([...reaction.userIds].sort()).toEqual(everyone);
        }
        expect(message?.rev).toBe(Math.max(...revs));
        expect((await stores[1].conversations.findById(group.id))?.rev).toBe(1 + 48);
      });
    });

    it('ends an edit racing a deletion on another instance as the tombstone', async () => {
      await withTwo(async (stores) => {
        const alice = await user('alice');
        const bob = await user('bob');
        const { conversation } = await stores[0].conversations.findOrCreateDirect(alice.id, bob.id);
        const rounds = 10;
        for (let seq = 1; seq <= rounds; seq++) {
          await send(pick(stores, seq), conversation, alice, `draft ${seq}`);
        }
        const outcomes = await Promise.all(
          Array.from({ length: rounds }, (_, i) => i + 1).flatMap((seq) => [
            pick(stores, seq).messages.edit(conversation.id, seq, {
              body: `final ${seq}`,
              mentions: [bob.id],
            }),
            pick(stores, seq + 1).messages.remove(conversation.id, seq),
          ]),
        );
        for (let i = 0; i < outcomes.length; i += 2) {
          const [edit, removal] = [outcomes[i], outcomes[i + 1]];
          expect(['changed', 'deleted']).toContain(edit?.status);
          expect(removal?.status).toBe('changed');
          // An edit that landed landed before the deletion, never after it.
          if (edit?.status === 'changed' && removal?.status === 'changed') {
            expect(edit.message.rev).toBeLessThan(removal.message.rev);
          }
        }
        const stored = await agreed(stores, conversation.id);
        expect(stored).toHaveLength(rounds);
        for (const message of stored) {
          expect(message).toMatchObject({ body: '', mentions: [], reactions: [] });
          expect(message.deletedAt).toBeInstanceOf(Date);
        }
        expect((await stores[0].conversations.findById(conversation.id))?.rev).toBe(
          rounds + revsOf(outcomes).length,
        );
      });
    });

    it('ends reactions racing a deletion on another instance as the tombstone without reactions', async () => {
      await withTwo(async (stores) => {
        const people = await Promise.all(Array.from({ length: 6 }, (_, i) => user(`racer${i}`)));
        const [author] = people;
        if (!author) throw new Error('no people');
        const group = await stores[0].conversations.createGroup({
          title: 'Race',
          memberIds: people.map((p) => p.id),
        });
        for (let seq = 1; seq <= 5; seq++) {
          await send(pick(stores, seq), group, author, `m${seq}`);
          // Some reactions already there, for the racing ones to take back.
          await stores[0].messages.react(group.id, seq, {
            userId: author.id,
            emoji: '👍',
            on: true,
          });
        }
        for (let seq = 1; seq <= 5; seq++) {
          const [removal, ...reactions] = await Promise.all([
            pick(stores, seq).messages.remove(group.id, seq),
            ...people.map((person, i) =>
              pick(stores, i).messages.react(group.id, seq, {
                userId: person.id,
                emoji: i % 3 === 0 ? '👍' : '🎉',
                on: person.id !== author.id,
              }),
            ),
          ]);
          if (removal.status !== 'changed') throw new Error(`removal ${removal.status}`);
          for (const outcome of reactions) {
            // Before the deletion, or refused after it (taking back: nothing to take back).
            expect(['changed', 'deleted', 'unchanged']).toContain(outcome.status);
            if (outcome.status === 'changed') {
              expect(outcome.message.rev).toBeLessThan(removal.message.rev);
            }
          }
        }
        const stored = await agreed(stores, group.id);
        for (const message of stored) {
          expect(message).toMatchObject({ body: '', reactions: [] });
          expect(message.deletedAt).toBeInstanceOf(Date);
        }
      });
    });

    it('gives revs in the order changes become visible: catching up never skips one', async () => {
      await withTwo(async (stores) => {
        const alice = await user('alice');
        const bob = await user('bob');
        const { conversation } = await stores[0].conversations.findOrCreateDirect(alice.id, bob.id);
        const count = 20;
        for (let i = 1; i <= count; i++) {
          await send(pick(stores, i), conversation, i % 2 ? alice : bob, `m${i}`);
        }

        // A client catching up over and over, as a reconnecting one does, meanwhile.
        const seen = new Map<string, MessageRecord>();
        let cursor = 0;
        const catchUp = async () => {
          const page = await stores[1].messages.list(conversation.id, {
            limit: 500,
            changedAfter: cursor,
          });
          for (const message of page) {
            seen.set(message.id, message);
            cursor = Math.max(cursor, message.rev);
          }
        };
        let done = false;
        const catchingUp = (async () => {
          while (!done) {
            await catchUp();
            await yieldToEvents();
          }
        })();
        // Every message changes exactly once, through either instance, with sends in
        // between: a change whose rev became visible after a higher one would be skipped.
        const outcomes = await Promise.all([
          ...Array.from({ length: count }, (_, i) => i + 1).map((seq) =>
            seq % 3 === 0
              ? pick(stores, seq).messages.remove(conversation.id, seq)
              : seq % 3 === 1
                ? pick(stores, seq).messages.edit(conversation.id, seq, {
                    body: `m${seq} edited`,
                    mentions: [],
                  })
                : pick(stores, seq).messages.react(conversation.id, seq, {
                    userId: bob.id,
                    emoji: '👍',
                    on: true,
                  }),
          ),
          ...Array.from({ length: 6 }, (_, i) =>
            send(pick(stores, i), conversation, alice, `late ${i}`).then(
              (message): MessageChange => ({ status: 'changed', message, affected: [] }),
            ),
          ),
        ]);
        done = true;
        await catchingUp;
        await catchUp();

        expect(revsOf(outcomes)).toHaveLength(count + 6);
        const stored = await agreed(stores, conversation.id);
        expect(stored).toHaveLength(count + 6);
        expect(new Map(stored.map((m) => [m.id, m]))).toEqual(seen);
        expect((await stores[0].conversations.findById(conversation.id))?.rev).toBe(
          count + count + 6,
        );
      });
    });
  });
}
