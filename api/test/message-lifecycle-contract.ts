/**
 * The message lifecycle part of the store contract (version 2: revs, edits, tombstones,
 * replies, reactions, mentions, system messages, `changedAfter` and `around`). Run by
 * `describeStoreContract` for every adapter; kept in its own file only because it is long.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '@chat/protocol';
import type {
  ConversationRecord,
  MessageChange,
  MessageRecord,
  Store,
  UserRecord,
} from '../src/store/types';

export interface LifecycleFixtures {
  store: () => Store;
  user: (username: string) => Promise<UserRecord>;
}

/** Twenty distinct emoji, and a twenty-first. */
const EMOJI = Array.from(
  new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(
    '😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗',
  ),
  (s) => s.segment,
);

export function describeMessageLifecycle({ store, user }: LifecycleFixtures): void {
  async function pair() {
    const alice = await user('alice');
    const bob = await user('bob');
    const { conversation } = await store().conversations.findOrCreateDirect(alice.id, bob.id);
    return { alice, bob, conversation };
  }

  async function send(
    conversation: ConversationRecord,
    sender: UserRecord,
    body = 'hello',
    extra: { mentions?: string[]; replyToSeq?: number } = {},
  ): Promise<MessageRecord> {
    const { message } = await store().messages.append({
      conversationId: conversation.id,
      senderId: sender.id,
      clientId: randomUUID(),
      body,
      ...extra,
    });
    return message;
  }

  const changed = (outcome: MessageChange): MessageRecord => {
    if (outcome.status !== 'changed') throw new Error(`expected a change, got ${outcome.status}`);
    return outcome.message;
  };

  const react = (message: MessageRecord, userId: string, emoji: string, on = true) =>
    store().messages.react(message.conversationId, message.seq, { userId, emoji, on });

  const revOf = async (conversation: ConversationRecord) =>
    (await store().conversations.findById(conversation.id))?.rev;

  describe('message lifecycle', () => {
    it('gives a new message the version 2 defaults and the next rev', async () => {
      const { alice, bob, conversation } = await pair();
      expect(conversation.rev).toBe(0);
      const first = await send(conversation, alice, 'one');
      const second = await send(conversation, bob, 'two');
      expect(first).toMatchObject({
        kind: 'text',
        system: null,
        rev: 1,
        editedAt: null,
        deletedAt: null,
        replyTo: null,
        reactions: [],
        mentions: [],
      });
      expect(second.rev).toBe(2);
      expect(await revOf(conversation)).toBe(2);
      expect(await store().messages.get(conversation.id, 2)).toEqual(second);
      expect(await store().messages.get(conversation.id, 3)).toBeNull();
      expect(await store().messages.get('not-an-id', 1)).toBeNull();
    });

    it('makes the creator of a group its first admin, and a direct conversation has none', async () => {
      const { alice, bob, conversation } = await pair();
      const carol = await user('carol');
      const group = await store().conversations.createGroup({
        title: 'Team',
        memberIds: [carol.id, alice.id, bob.id],
      });
      expect(group.adminIds).toEqual([carol.id]);
      expect((await store().conversations.findById(group.id))?.adminIds).toEqual([carol.id]);
      expect(conversation.adminIds).toEqual([]);
      const [summary] = await store().conversations.listForMember(carol.id);
      expect(summary?.conversation).toMatchObject({ adminIds: [carol.id], rev: 0 });
    });

    it('stores mentions without repeats', async () => {
      const { alice, bob, conversation } = await pair();
      const message = await send(conversation, alice, '@bob @alice @bob', {
        mentions: [bob.id, alice.id, bob.id],
      });
      expect(message.mentions).toEqual([bob.id, alice.id]);
      expect((await store().messages.get(conversation.id, 1))?.mentions).toEqual([
        bob.id,
        alice.id,
      ]);
    });

    it('edits the body and mentions, sets editedAt and a new rev', async () => {
      const { alice, bob, conversation } = await pair();
      const original = await send(conversation, alice, 'helo');
      await send(conversation, bob);
      const edited = changed(
        await store().messages.edit(conversation.id, 1, { body: 'hello @bob', mentions: [bob.id] }),
      );
      expect(edited).toMatchObject({
        id: original.id,
        seq: 1,
        body: 'hello @bob',
        mentions: [bob.id],
        rev: 3,
        createdAt: original.createdAt,
      });
      expect(edited.editedAt).toBeInstanceOf(Date);
      expect(await store().messages.get(conversation.id, 1)).toEqual(edited);
      expect(await revOf(conversation)).toBe(3);
    });

    it('answers unchanged to the same edit again, and missing for no such message', async () => {
      const { alice, conversation } = await pair();
      await send(conversation, alice, 'same');
      const outcome = await store().messages.edit(conversation.id, 1, {
        body: 'same',
        mentions: [],
      });
      expect(outcome).toMatchObject({ status: 'unchanged', message: { rev: 1, editedAt: null } });
      expect(await store().messages.edit(conversation.id, 9, { body: 'x', mentions: [] })).toEqual({
        status: 'missing',
      });
      expect(await store().messages.remove('not-an-id', 1)).toEqual({ status: 'missing' });
      expect(await revOf(conversation)).toBe(1);
    });

    it('turns a deleted message into a tombstone with nothing of its content left', async () => {
      const { alice, bob, conversation } = await pair();
      const secret = await send(conversation, alice, 'my password is hunter2 @bob', {
        mentions: [bob.id],
      });
      await react(secret, bob.id, '👍');
      const tombstone = changed(await store().messages.remove(conversation.id, 1));
      expect(tombstone).toMatchObject({
        id: secret.id,
        seq: 1,
        senderId: alice.id,
        clientId: secret.clientId,
        body: '',
        reactions: [],
        mentions: [],
        rev: 3,
      });
      expect(tombstone.deletedAt).toBeInstanceOf(Date);
      expect(await store().messages.list(conversation.id, { limit: 10 })).toEqual([tombstone]);
      // The conversation list shows the tombstone, not the old text.
      const [summary] = await store().conversations.listForMember(bob.id);
      expect(summary?.lastMessage).toEqual(tombstone);
      expect(summary?.conversation.rev).toBe(3);
    });

    it('deletes twice as once, and refuses to edit or react to a tombstone', async () => {
      const { alice, bob, conversation } = await pair();
      const message = await send(conversation, alice);
      changed(await store().messages.remove(conversation.id, 1));
      const again = await store().messages.remove(conversation.id, 1);
      expect(again.status).toBe('unchanged');
      const edit = await store().messages.edit(conversation.id, 1, { body: 'back', mentions: [] });
      expect(edit.status).toBe('deleted');
      expect((await react(message, bob.id, '👍')).status).toBe('deleted');
      expect((await react(message, bob.id, '👍', false)).status).toBe('unchanged');
      expect(await revOf(conversation)).toBe(2);
      expect((await store().messages.get(conversation.id, 1))?.body).toBe('');
    });

    it('adds and removes reactions idempotently, in order of each emoji’s first reaction', async () => {
      const { alice, bob, conversation } = await pair();
      const carol = await user('carol');
      const message = await send(conversation, alice);
      changed(await react(message, bob.id, '👍'));
      changed(await react(message, alice.id, '🎉'));
      changed(await react(message, carol.id, '👍'));
      expect((await react(message, bob.id, '👍')).status).toBe('unchanged');
      expect((await react(message, carol.id, '🎉', false)).status).toBe('unchanged');
      let current = changed(await react(message, alice.id, '👍'));
      expect(current.reactions).toEqual([
        { emoji: '👍', userIds: [bob.id, carol.id, alice.id] },
        { emoji: '🎉', userIds: [alice.id] },
      ]);
      expect(current.rev).toBe(5);
      current = changed(await react(message, alice.id, '🎉', false));
      expect(current.reactions).toEqual([{ emoji: '👍', userIds: [bob.id, carol.id, alice.id] }]);
      current = changed(await react(message, bob.id, '👍', false));
      expect(current.reactions).toEqual([{ emoji: '👍', userIds: [carol.id, alice.id] }]);
      // An emoji that lost every reaction comes back last.
      changed(await react(message, bob.id, '🎉'));
      expect((await store().messages.get(conversation.id, 1))?.reactions).toEqual([
        { emoji: '👍', userIds: [carol.id, alice.id] },
        { emoji: '🎉', userIds: [bob.id] },
      ]);
      expect(await revOf(conversation)).toBe(8);
    });

    it(`takes at most ${LIMITS.reactionsPerMessageMax} different emoji on one message`, async () => {
      const { alice, bob, conversation } = await pair();
      const message = await send(conversation, alice);
      for (const emoji of EMOJI.slice(0, LIMITS.reactionsPerMessageMax)) {
        changed(await react(message, alice.id, emoji));
      }
      const refused = await react(message, alice.id, EMOJI[LIMITS.reactionsPerMessageMax] ?? '');
      expect(refused.status).toBe('too_many_reactions');
      // More people on an emoji already there is fine.
      changed(await react(message, bob.id, EMOJI[0] ?? ''));
      const stored = await store().messages.get(conversation.id, 1);
      expect(stored?.reactions.map((r) => r.emoji)).toEqual(
        EMOJI.slice(0, LIMITS.reactionsPerMessageMax),
      );
    });

    it('copies who and what a reply quotes, at most 200 characters of it', async () => {
      const { alice, bob, conversation } = await pair();
      const long = `${'😀'.repeat(150)}${'x'.repeat(100)}`;
      await send(conversation, alice, long);
      const reply = await send(conversation, bob, 'answer', { replyToSeq: 1 });
      expect(reply.replyTo).toEqual({
        seq: 1,
        senderId: alice.id,
        excerpt: `${'😀'.repeat(150)}${'x'.repeat(LIMITS.replyExcerptMax - 150)}`,
        deleted: false,
      });
      // Editing the quoted message later does not change what the reply quoted.
      changed(await store().messages.edit(conversation.id, 1, { body: 'edited', mentions: [] }));
      expect((await store().messages.get(conversation.id, 2))?.replyTo).toEqual(reply.replyTo);
    });

    it('erases the quote of every reply when the quoted message is deleted', async () => {
      const { alice, bob, conversation } = await pair();
      await send(conversation, alice, 'the secret');
      const first = await send(conversation, bob, 'a', { replyToSeq: 1 });
      await send(conversation, alice, 'unrelated');
      const second = await send(conversation, alice, 'b', { replyToSeq: 1 });
      const outcome = await store().messages.remove(conversation.id, 1);
      if (outcome.status !== 'changed') throw new Error(outcome.status);
      expect(outcome.message.rev).toBe(5);
      expect(outcome.affected.map((m) => [m.seq, m.rev])).toEqual([
        [2, 6],
        [4, 7],
      ]);
      for (const reply of [first, second]) {
        const stored = await store().messages.get(conversation.id, reply.seq);
        expect(stored?.replyTo).toEqual({ seq: 1, senderId: alice.id, excerpt: '', deleted: true });
        expect(stored?.body).toBe(reply.body);
      }
      // A reply to a tombstone quotes nothing from the start.
      const late = await send(conversation, bob, 'c', { replyToSeq: 1 });
      expect(late.replyTo).toEqual({ seq: 1, senderId: alice.id, excerpt: '', deleted: true });
    });

    it('stores a system message with an empty body and what it records', async () => {
      const { alice, bob } = await pair();
      const group = await store().conversations.createGroup({
        title: 'Team',
        memberIds: [alice.id, bob.id],
      });
      const { message } = await store().messages.append({
        conversationId: group.id,
        senderId: alice.id,
        clientId: randomUUID(),
        body: 'ignored',
        mentions: [bob.id],
        system: { event: 'title_changed', actorId: alice.id, userIds: [bob.id], title: 'New' },
      });
      expect(message).toMatchObject({
        kind: 'system',
        body: '',
        mentions: [],
        system: { event: 'title_changed', actorId: alice.id, userIds: [bob.id], title: 'New' },
      });
      expect(await store().messages.get(group.id, 1)).toEqual(message);
    });

    it('lists what changed after a rev, new and changed alike, in ascending rev', async () => {
      const { alice, bob, conversation } = await pair();
      for (let i = 1; i <= 5; i++) await send(conversation, i % 2 ? alice : bob, `m${i}`);
      changed(await store().messages.edit(conversation.id, 2, { body: 'm2!', mentions: [] }));
      changed(await react(await send(conversation, alice, 'm6'), bob.id, '👍'));
      changed(await store().messages.remove(conversation.id, 1));
      // revs: m1..m5 = 1..5, edit m2 = 6, m6 = 7, reaction on m6 = 8, delete m1 = 9
      const changedAfter = async (rev: number, limit = 50) =>
        (await store().messages.list(conversation.id, { limit, changedAfter: rev })).map((m) => [
          m.seq,
          m.rev,
        ]);
      expect(await changedAfter(4)).toEqual([
        [5, 5],
        [2, 6],
        [6, 8],
        [1, 9],
      ]);
      expect(await changedAfter(4, 2)).toEqual([
        [5, 5],
        [2, 6],
      ]);
      expect(await changedAfter(9)).toEqual([]);
      expect(await revOf(conversation)).toBe(9);
      const other = await store().conversations.findOrCreateDirect(alice.id, (await user('c')).id);
      expect(
        await store().messages.list(other.conversation.id, { limit: 5, changedAfter: 0 }),
      ).toEqual([]);
    });

    it('lists the messages around a seq, about half before and half after', async () => {
      const { alice, conversation } = await pair();
      for (let i = 1; i <= 20; i++) await send(conversation, alice, `m${i}`);
      const around = async (seq: number, limit: number) =>
        (await store().messages.list(conversation.id, { limit, around: seq })).map((m) => m.seq);
      expect(await around(10, 5)).toEqual([8, 9, 10, 11, 12]);
      expect(await around(10, 4)).toEqual([9, 10, 11, 12]);
      expect(await around(10, 1)).toEqual([10]);
      // A side that runs short leaves its share to the other.
      expect(await around(2, 6)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await around(19, 6)).toEqual([15, 16, 17, 18, 19, 20]);
      expect(await around(20, 50)).toHaveLength(20);
      // Beyond the last message: no such message in the answer (the service's 404).
      expect(await around(21, 6)).toEqual([16, 17, 18, 19, 20]);
    });

    describe('concurrency', () => {
      it('keeps every reaction of many people reacting at once, each with its own rev', async () => {
        const people = await Promise.all(Array.from({ length: 12 }, (_, i) => user(`person${i}`)));
        const group = await store().conversations.createGroup({
          title: 'Crowd',
          memberIds: people.map((p) => p.id),
        });
        const [first] = people;
        if (!first) throw new Error('no people');
        const message = await send(group, first, 'react to me');
        const outcomes = await Promise.all(
          people.flatMap((person) => [
            react(message, person.id, '👍'),
            react(message, person.id, '🎉'),
            react(message, person.id, '👍'),
          ]),
        );
        expect(outcomes.filter((o) => o.status === 'changed')).toHaveLength(24);
        const stored = await store().messages.get(group.id, 1);
        expect(stored?.reactions.map((r) => r.emoji).sort()).toEqual(['🎉', '👍']);
        for (const reaction of stored?.reactions ?? []) {
          expect([...reaction.userIds].sort()).toEqual(people.map((p) => p.id).sort());
        }
        const revs = outcomes.flatMap((o) => (o.status === 'changed' ? [o.message.rev] : []));
        expect(new Set(revs).size).toBe(24);
        expect(stored?.rev).toBe(Math.max(...revs));
        expect(await revOf(group)).toBe(1 + 24);
      });

      it('ends an edit racing a deletion as the tombstone, whichever lands first', async () => {
        const { alice, conversation } = await pair();
        for (let round = 1; round <= 10; round++) {
          await send(conversation, alice, `draft ${round}`);
          const [edit, removal] = await Promise.all([
            store().messages.edit(conversation.id, round, { body: `final ${round}`, mentions: [] }),
            store().messages.remove(conversation.id, round),
          ]);
          expect(['changed', 'deleted']).toContain(edit.status);
          expect(removal.status).toBe('changed');
          const stored = await store().messages.get(conversation.id, round);
          expect(stored).toMatchObject({ body: '', mentions: [], reactions: [] });
          expect(stored?.deletedAt).toBeInstanceOf(Date);
        }
      });

      it('ends reactions racing a deletion as the tombstone without reactions', async () => {
        const { alice, bob, conversation } = await pair();
        const message = await send(conversation, alice);
        const [first, second, removal, third] = await Promise.all([
          react(message, bob.id, '👍'),
          react(message, alice.id, '🎉'),
          store().messages.remove(conversation.id, 1),
          react(message, bob.id, '😀'),
        ]);
        expect(removal.status).toBe('changed');
        const stored = await store().messages.get(conversation.id, 1);
        expect(stored?.reactions).toEqual([]);
        expect(stored?.deletedAt).toBeInstanceOf(Date);
        // Whatever came after the deletion was refused, never stored.
        for (const outcome of [first, second, third]) {
          expect(['changed', 'deleted']).toContain(outcome.status);
        }
      });

      it('never gives two changes or messages of a conversation the same rev', async () => {
        const { alice, bob, conversation } = await pair();
        const messages = await Promise.all(
          Array.from({ length: 10 }, (_, i) => send(conversation, i % 2 ? alice : bob, `m${i}`)),
        );
        await Promise.all([
          ...messages.map((m) => react(m, alice.id, '👍')),
          ...messages.map((m) =>
            store().messages.edit(conversation.id, m.seq, { body: `${m.body}!`, mentions: [] }),
          ),
          ...Array.from({ length: 10 }, (_, i) => send(conversation, alice, `late ${i}`)),
        ]);
        const all = await store().messages.list(conversation.id, { limit: 200, changedAfter: 0 });
        expect(all).toHaveLength(20);
        const revs = all.map((m) => m.rev);
        expect(revs).toEqual([...revs].sort((a, b) => a - b));
        expect(new Set(revs).size).toBe(20);
        expect(await revOf(conversation)).toBe(40);
      });
    });
  });
}
