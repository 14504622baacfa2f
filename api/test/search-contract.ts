/**
 * The full-text search part of the store contract (`MessageStore.search`). Run by
 * `describeStoreContract` for every adapter, so SQLite's FTS5 index and MongoDB's folded
 * words give the same answers for the same data.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { searchTerms } from '../src/store/search-terms';
import type {
  ConversationRecord,
  MessageRecord,
  MessageSearch,
  Store,
  UserRecord,
} from '../src/store/types';

export interface SearchFixtures {
  store: () => Store;
  user: (username: string) => Promise<UserRecord>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function describeSearch({ store, user }: SearchFixtures): void {
  async function pair() {
    const alice = await user('alice');
    const bob = await user('bob');
    const { conversation } = await store().conversations.findOrCreateDirect(alice.id, bob.id);
    return { alice, bob, conversation };
  }

  async function send(conversation: ConversationRecord, sender: UserRecord, body: string) {
    const { message } = await store().messages.append({
      conversationId: conversation.id,
      senderId: sender.id,
      clientId: randomUUID(),
      body,
    });
    return message;
  }

  const find = (userId: string, text: string, extra: Partial<MessageSearch> = {}) =>
    store().messages.search({ userId, terms: searchTerms(text), limit: 50, ...extra });

  const bodies = (found: readonly MessageRecord[]) => found.map((m) => m.body);

  describe('search', () => {
    it('matches whole words and word prefixes, case- and accent-insensitively', async () => {
      const { alice, conversation } = await pair();
      await send(conversation, alice, 'Meet at the Café Noir tomorrow');
      await send(conversation, alice, 'nothing to see here');
      for (const text of ['cafe', 'CAFÉ', 'café', 'caf', 'Cafe noir', 'noi', 'tomorrow']) {
        expect(bodies(await find(alice.id, text)), text).toEqual([
          'Meet at the Café Noir tomorrow',
        ]);
      }
      // Prefixes of words only, never the inside or the end of one.
      expect(await find(alice.id, 'afe')).toEqual([]);
      expect(await find(alice.id, 'morrow')).toEqual([]);
    });

    it('finds accented text from an accented query and from a decomposed one', async () => {
      const { alice, bob, conversation } = await pair();
      await send(conversation, bob, 'Crème brûlée à Zürich, señor');
      for (const text of ['creme brulee', 'zurich', 'SENOR', 'cre\u0300me', 'Zür']) {
        expect(bodies(await find(alice.id, text)), text).toEqual(['Crème brûlée à Zürich, señor']);
      }
    });

    it('needs every word of the query in one message, in any order', async () => {
      const { alice, conversation } = await pair();
      await send(conversation, alice, 'the blue door');
      await send(conversation, alice, 'the red door');
      expect(bodies(await find(alice.id, 'door blue'))).toEqual(['the blue door']);
      expect(bodies(await find(alice.id, 'blue red'))).toEqual([]);
    });

    it('finds only what is in conversations the user is a member of', async () => {
      const { alice, bob, conversation } = await pair();
      const carol = await user('carol');
      const other = (await store().conversations.findOrCreateDirect(bob.id, carol.id)).conversation;
      await send(conversation, alice, 'secret plan one');
      await send(other, carol, 'secret plan two');
      expect(bodies(await find(alice.id, 'secret'))).toEqual(['secret plan one']);
      expect(bodies(await find(carol.id, 'secret'))).toEqual(['secret plan two']);
      expect((await find(bob.id, 'secret')).length).toBe(2);
      // Naming a conversation one is not in finds nothing either.
      expect(await find(alice.id, 'secret', { conversationId: other.id })).toEqual([]);
      expect(await find(alice.id, 'secret', { conversationId: 'not-an-id' })).toEqual([]);
      expect(await find('not-an-id', 'secret')).toEqual([]);
    });

    it('a member removed from a group no longer finds anything of it', async () => {
      const alice = await user('alice');
      const bob = await user('bob');
      const group = await store().conversations.createGroup({
        title: 'Team',
        memberIds: [alice.id, bob.id],
      });
      await send(group, alice, 'quarterly numbers attached');
      expect(bodies(await find(bob.id, 'quarterly'))).toEqual(['quarterly numbers attached']);
      await store().conversations.removeMember(group.id, bob.id);
      expect(await find(bob.id, 'quarterly')).toEqual([]);
      expect(await find(bob.id, 'quarterly', { conversationId: group.id })).toEqual([]);
      expect((await find(alice.id, 'quarterly')).length).toBe(1);
    });

    it('limits to one conversation when asked', async () => {
      const { alice, bob, conversation } = await pair();
      const carol = await user('carol');
      const other = (await store().conversations.findOrCreateDirect(alice.id, carol.id))
        .conversation;
      await send(conversation, bob, 'lunch at noon');
      await send(other, carol, 'lunch on friday');
      expect(bodies(await find(alice.id, 'lunch', { conversationId: other.id }))).toEqual([
        'lunch on friday',
      ]);
      expect((await find(alice.id, 'lunch')).length).toBe(2);
    });

    it('never matches a deleted message, nor a system message', async () => {
      const { alice, conversation } = await pair();
      const gone = await send(conversation, alice, 'password is hunter2');
      await send(conversation, alice, 'hunter season');
      await store().messages.remove(conversation.id, gone.seq);
      expect(bodies(await find(alice.id, 'hunter'))).toEqual(['hunter season']);
      expect(await find(alice.id, 'password')).toEqual([]);
      await store().messages.append({
        conversationId: conversation.id,
        senderId: alice.id,
        clientId: randomUUID(),
        body: 'member_added',
        system: { event: 'member_added', actorId: alice.id, userIds: [], title: null },
      });
      expect(await find(alice.id, 'member')).toEqual([]);
    });

    it('matches an edited message by its current text only', async () => {
      const { alice, conversation } = await pair();
      const message = await send(conversation, alice, 'see you on monday');
      await store().messages.edit(conversation.id, message.seq, {
        body: 'see you on tuesday',
        mentions: [],
      });
      expect(await find(alice.id, 'monday')).toEqual([]);
      const found = await find(alice.id, 'tuesday');
      expect(found.map((m) => [m.seq, m.body])).toEqual([[message.seq, 'see you on tuesday']]);
      expect(found[0]?.editedAt).not.toBeNull();
    });

    it('answers newest first and pages with `before` without skipping or repeating', async () => {
      const { alice, bob, conversation } = await pair();
      const sent: MessageRecord[] = [];
      for (let i = 0; i < 7; i++) {
        sent.push(await send(conversation, i % 2 ? bob : alice, `report number ${i}`));
        // Distinct times, so newest first is the reverse of sending here.
        await sleep(3);
      }
      await send(conversation, alice, 'unrelated');
      const pages: string[][] = [];
      let beforeId: string | undefined;
      for (;;) {
        const page = await find(alice.id, 'report', { limit: 3, beforeId });
        if (page.length === 0) break;
        pages.push(bodies(page));
        beforeId = page.at(-1)?.id;
      }
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(sent.map((m) => m.body).reverse());
    });

    it('pages a burst of concurrent sends in one total order, each message once', async () => {
      const { alice, conversation } = await pair();
      const sent = await Promise.all(
        Array.from({ length: 12 }, (_, i) => send(conversation, alice, `burst ${i}`)),
      );
      const all = await find(alice.id, 'burst');
      expect([...all.map((m) => m.id)].sort()).toEqual(sent.map((m) => m.id).sort());
      const seen: string[] = [];
      let beforeId: string | undefined;
      for (let guard = 0; guard < 20; guard++) {
        const page = await find(alice.id, 'burst', { limit: 5, beforeId });
        if (page.length === 0) break;
        seen.push(...page.map((m) => m.id));
        beforeId = page.at(-1)?.id;
      }
      expect(seen).toEqual(all.map((m) => m.id));
    });

    it('finds nothing after a message it does not know', async () => {
      const { alice, conversation } = await pair();
      await send(conversation, alice, 'anchor text');
      for (const beforeId of ['not-an-id', '0123456789abcdef01234567', "'; --"]) {
        expect(await find(alice.id, 'anchor', { beforeId })).toEqual([]);
      }
    });

    it('finds the user’s messages in many conversations at once', async () => {
      const alice = await user('alice');
      const others = await Promise.all(Array.from({ length: 6 }, (_, i) => user(`friend${i}`)));
      for (const other of others) {
        const { conversation } = await store().conversations.findOrCreateDirect(alice.id, other.id);
        await send(conversation, other, `harbour view from ${other.username}`);
      }
      expect((await find(alice.id, 'harbour')).length).toBe(6);
      expect((await find(others[0]?.id ?? '', 'harbour')).length).toBe(1);
    });

    it('takes query syntax as plain words, whatever the text', async () => {
      const { alice, conversation } = await pair();
      await send(conversation, alice, 'tea OR coffee, NEAR the "door" * AND NOT here');
      await send(conversation, alice, 'body:nothing column filters');
      const hostile = [
        '"',
        '"unbalanced',
        '*',
        'coffee*',
        'NEAR(tea coffee)',
        'tea OR coffee',
        'tea AND NOT',
        'body:nothing',
        '^door',
        '{tea}',
        '(',
        '-tea',
        '+tea',
        "'; DROP TABLE messages; --",
        '\u0000tea',
        'x'.repeat(10_000),
      ];
      for (const text of hostile) {
        const found = await find(alice.id, text);
        expect(Array.isArray(found), text).toBe(true);
      }
      expect(bodies(await find(alice.id, 'tea OR coffee'))).toEqual([
        'tea OR coffee, NEAR the "door" * AND NOT here',
      ]);
      expect(bodies(await find(alice.id, 'NEAR(tea coffee)'))).toEqual([
        'tea OR coffee, NEAR the "door" * AND NOT here',
      ]);
      expect(bodies(await find(alice.id, 'body:nothing'))).toEqual(['body:nothing column filters']);
      // Terms a caller might pass unfolded: still literal, never syntax.
      for (const term of ['"', '*', 'or', 'near', '"a" OR "b"', 'body:x', '\u0000']) {
        const found = await store().messages.search({ userId: alice.id, terms: [term], limit: 5 });
        expect(Array.isArray(found), term).toBe(true);
      }
    });

    it('finds nothing for no terms and for a zero limit', async () => {
      const { alice, conversation } = await pair();
      await send(conversation, alice, 'anything');
      expect(await store().messages.search({ userId: alice.id, terms: [], limit: 5 })).toEqual([]);
      expect(await find(alice.id, 'anything', { limit: 0 })).toEqual([]);
    });
  });
}
