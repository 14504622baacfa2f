/**
 * The one behaviour suite every storage adapter must pass. Each adapter's test file calls
 * `describeStoreContract` with a function that opens a fresh, empty store; the suite
 * closes it after each test (close must be idempotent) and then calls `cleanup` (to drop
 * a temp file or database).
 *
 * Every rule written in the doc comments of `types.ts` has a test here, so an adapter
 * that passes can be swapped for another without the services noticing.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailable, UniqueViolation } from '../src/store/types';
import type {
  AttachmentRecord,
  AvatarRecord,
  ConversationRecord,
  MessageRecord,
  NewAttachment,
  Store,
  UserRecord,
} from '../src/store/types';
import { describeAccounts } from './accounts-contract';
import { describeChangesAcrossStores } from './cross-store-changes-contract';
import { describeGroupMembership } from './group-membership-contract';
import { describeMessageLifecycle } from './message-lifecycle-contract';
import { describeSearch } from './search-contract';
import { describePushSubscriptions } from './push-contract';

export type OpenStore = () => Promise<Store>;
/**
 * Opens a second store on the database `store` uses, as a second API process would (its
 * own connection). The suite closes it.
 */
export type OpenAnother = (store: Store) => Promise<Store>;
export type CleanupStore = (store: Store) => Promise<void> | void;

/** A real argon2id PHC string shape; the store must keep it byte for byte. */
const PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';

/** Ids no adapter ever hands out, in shapes that trip naive backends. */
const FOREIGN_IDS: readonly string[] = [
  'not-an-id',
  '',
  '0123456789abcdef01234567',
  'ffffffffffffffffffffffff',
  '00000000-0000-4000-8000-000000000000',
  'x'.repeat(10_000),
  "'; DROP TABLE users; --",
  '{"$gt":""}',
  '%',
  '\u0000',
];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function describeStoreContract(
  name: string,
  open: OpenStore,
  cleanup?: CleanupStore,
  openAnother?: OpenAnother,
): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.(store);
    });

    async function user(username: string, displayName = username): Promise<UserRecord> {
      return store.users.create({ username, displayName, passwordHash: PASSWORD_HASH });
    }

    async function send(conversationId: string, senderId: string, body = 'hello') {
      const { message } = await store.messages.append({
        conversationId,
        senderId,
        clientId: randomUUID(),
        body,
      });
      return message;
    }

    async function direct(a: UserRecord, b: UserRecord): Promise<ConversationRecord> {
      return (await store.conversations.findOrCreateDirect(a.id, b.id)).conversation;
    }

    const seqs = (messages: readonly MessageRecord[]) => messages.map((m) => m.seq);

    describe('users', () => {
      it('creates a user and finds it by id and by username', async () => {
        const alice = await user('alice', 'Alice Liddell');
        expect(alice).toMatchObject({
          username: 'alice',
          displayName: 'Alice Liddell',
          passwordHash: PASSWORD_HASH,
          lastSeenAt: null,
        });
        expect(typeof alice.id).toBe('string');
        expect(alice.id).not.toBe('');
        expect(alice.createdAt).toBeInstanceOf(Date);
        expect(Number.isNaN(alice.createdAt.getTime())).toBe(false);

        expect(await store.users.findById(alice.id)).toEqual(alice);
        expect(await store.users.findByUsername('alice')).toEqual(alice);
      });

      it('compares usernames as given (callers lower-case them)', async () => {
        await user('alice');
        expect(await store.users.findByUsername('ALICE')).toBeNull();
        expect(await store.users.findByUsername('alic')).toBeNull();
      });

      it('refuses a taken username with UniqueViolation and keeps the first user', async () => {
        const first = await user('alice', 'First');
        const attempt = user('alice', 'Second');
        await expect(attempt).rejects.toBeInstanceOf(UniqueViolation);
        await expect(attempt).rejects.toMatchObject({ field: 'username' });
        expect(await store.users.findByUsername('alice')).toEqual(first);
      });

      it('lets exactly one of two concurrent registrations of a username win', async () => {
        const results = await Promise.allSettled([user('bob', 'One'), user('bob', 'Two')]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.filter((r) => r.status === 'rejected');
        expect(rejected).toHaveLength(1);
        expect(rejected[0]?.reason).toBeInstanceOf(UniqueViolation);
      });

      it('finds those of several ids that exist', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        await user('carol');
        const found = await store.users.findByIds([bob.id, 'not-an-id', alice.id, bob.id]);
        expect(found.map((u) => u.username).sort()).toEqual(['alice', 'bob']);
        expect(await store.users.findByIds([])).toEqual([]);
      });

      it('updates the password hash and the last-seen time', async () => {
        const alice = await user('alice');
        const newHash = PASSWORD_HASH.replace('c2FsdHNhbHRzYWx0', 'bmV3c2FsdG5ld3NhbHQ');
        await store.users.setPasswordHash(alice.id, newHash);
        const seenAt = new Date('2026-11-26T10:00:00.123Z');
        await store.users.setLastSeen(alice.id, seenAt);
        const updated = await store.users.findById(alice.id);
        expect(updated?.passwordHash).toBe(newHash);
        expect(updated?.lastSeenAt?.toISOString()).toBe(seenAt.toISOString());
        // Unknown ids change nothing and do not throw.
        await store.users.setPasswordHash('not-an-id', newHash);
        await store.users.setLastSeen('not-an-id', seenAt);
      });
    });

    describe('user search', () => {
      let caller: UserRecord;

      beforeEach(async () => {
        caller = await user('zed', 'Zed Caller');
        await user('alice', 'Alice Liddell');
        await user('albert', 'Bert');
        await user('bob', 'Alfred Bobson');
        await user('carol', 'Élodie Carol');
        await user('dave', 'Dave');
      });

      const names = (users: readonly UserRecord[]) => users.map((u) => u.username);

      it('matches a prefix of the username or the display name, ordered by username', async () => {
        const found = await store.users.search('al', { excludeId: caller.id, limit: 50 });
        expect(names(found)).toEqual(['albert', 'alice', 'bob']);
      });

      it('ignores case, also beyond ASCII', async () => {
        const opts = { excludeId: caller.id, limit: 50 };
        expect(names(await store.users.search('AL', opts))).toEqual(['albert', 'alice', 'bob']);
        expect(names(await store.users.search('aLiCe', opts))).toEqual(['alice']);
        expect(names(await store.users.search('élo', opts))).toEqual(['carol']);
        expect(names(await store.users.search('ÉLODIE', opts))).toEqual(['carol']);
      });

      it('matches only at the start, not inside a name', async () => {
        const found = await store.users.search('lic', { excludeId: caller.id, limit: 50 });
        expect(found).toEqual([]);
      });

      it('excludes the caller and respects the limit', async () => {
        const all = await store.users.search('', { excludeId: caller.id, limit: 50 });
        expect(names(all)).toEqual(['albert', 'alice', 'bob', 'carol', 'dave']);
        const two = await store.users.search('', { excludeId: caller.id, limit: 2 });
        expect(names(two)).toEqual(['albert', 'alice']);
        const self = await store.users.search('zed', { excludeId: caller.id, limit: 50 });
        expect(self).toEqual([]);
      });

      it('treats wildcard and pattern characters literally', async () => {
        await user('x_ray', 'X');
        await user('xoray', 'X');
        await user('a.b', 'A');
        await user('axb', 'A');
        await user('pct', '50% off');
        await user('cents', '50 cents');
        await user('slash', 'back\\slash');
        await user('noslash', 'backslash');
        await user('paren', '(round)');
        await user('star', '*star');
        const opts = { excludeId: caller.id, limit: 50 };
        expect(names(await store.users.search('x_', opts))).toEqual(['x_ray']);
        expect(names(await store.users.search('a.', opts))).toEqual(['a.b']);
        expect(names(await store.users.search('50%', opts))).toEqual(['pct']);
        expect(names(await store.users.search('%', opts))).toEqual([]);
        expect(names(await store.users.search('_', opts))).toEqual([]);
        expect(names(await store.users.search('back\\', opts))).toEqual(['slash']);
        expect(names(await store.users.search('\\', opts))).toEqual([]);
        expect(names(await store.users.search('(', opts))).toEqual(['paren']);
        expect(names(await store.users.search('*', opts))).toEqual(['star']);
        expect(names(await store.users.search('[a-z]', opts))).toEqual([]);
        expect(names(await store.users.search('.*', opts))).toEqual([]);
      });
    });

    describe('lookups by ids of any shape', () => {
      it.each(FOREIGN_IDS.map((id) => [JSON.stringify(id.slice(0, 30)), id]))(
        'returns nothing and never throws for %s',
        async (_label, id) => {
          const alice = await user('alice');
          const bob = await user('bob');
          await direct(alice, bob);
          expect(await store.users.findById(id)).toBeNull();
          expect(await store.users.findByUsername(id)).toBeNull();
          expect(await store.users.findByIds([id])).toEqual([]);
          expect(await store.sessions.findById(id)).toBeNull();
          expect(await store.sessions.rotate(id, 0, new Date(Date.now() + 60_000))).toBe(false);
          expect(await store.sessions.revoke(id, new Date())).toBe(false);
          expect(await store.conversations.findById(id)).toBeNull();
          expect(await store.conversations.listForMember(id)).toEqual([]);
          expect(await store.conversations.summaryFor(id, alice.id)).toBeNull();
          expect(await store.conversations.peerIds(id)).toEqual([]);
          expect(await store.messages.list(id, { limit: 50 })).toEqual([]);
          expect(await store.messages.list(id, { limit: 50, after: 0 })).toEqual([]);
        },
      );
    });

    describe('sessions', () => {
      const inAnHour = () => new Date(Date.now() + 3_600_000);

      it('creates a live session at generation 0', async () => {
        const alice = await user('alice');
        const expires = inAnHour();
        const session = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: expires,
        });
        expect(session).toMatchObject({
          userId: alice.id,
          refreshGeneration: 0,
          revokedAt: null,
          rotatedAt: null,
        });
        expect(session.refreshExpiresAt.toISOString()).toBe(expires.toISOString());
        expect(session.createdAt).toBeInstanceOf(Date);
        expect(await store.sessions.findById(session.id)).toEqual(session);
      });

      it('rotates from the expected generation and sets the new expiry', async () => {
        const alice = await user('alice');
        const session = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: inAnHour(),
        });
        const later = new Date(Date.now() + 7_200_000);
        const at = new Date(Date.now() - 1_000);
        expect(await store.sessions.rotate(session.id, 0, later, at)).toBe(true);
        const rotated = await store.sessions.findById(session.id);
        expect(rotated?.refreshGeneration).toBe(1);
        expect(rotated?.refreshExpiresAt.toISOString()).toBe(later.toISOString());
        // When it was rotated, for the retry grace of the service.
        expect(rotated?.rotatedAt?.toISOString()).toBe(at.toISOString());
        expect(await store.sessions.rotate(session.id, 1, later)).toBe(true);
        expect((await store.sessions.findById(session.id))?.refreshGeneration).toBe(2);
      });

      it('refuses to rotate from another generation and changes nothing', async () => {
        const alice = await user('alice');
        const session = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: inAnHour(),
        });
        expect(await store.sessions.rotate(session.id, 1, inAnHour())).toBe(false);
        expect(await store.sessions.rotate(session.id, -1, inAnHour())).toBe(false);
        expect(await store.sessions.findById(session.id)).toEqual(session);
      });

      it('refuses to rotate a revoked session', async () => {
        const alice = await user('alice');
        const session = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: inAnHour(),
        });
        expect(await store.sessions.revoke(session.id, new Date())).toBe(true);
        expect(await store.sessions.rotate(session.id, 0, inAnHour())).toBe(false);
        expect((await store.sessions.findById(session.id))?.refreshGeneration).toBe(0);
      });

      it('refuses to rotate an expired session', async () => {
        const alice = await user('alice');
        const session = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: new Date(Date.now() - 1_000),
        });
        expect(await store.sessions.rotate(session.id, 0, inAnHour())).toBe(false);
        expect(await store.sessions.findById(session.id)).toEqual(session);
      });

      it('lets exactly one of several concurrent rotations of one generation win', async () => {
        const alice = await user('alice');
        const session = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: inAnHour(),
        });
        const results = await Promise.all(
          Array.from({ length: 8 }, () => store.sessions.rotate(session.id, 0, inAnHour())),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.sessions.findById(session.id))?.refreshGeneration).toBe(1);
      });

      it('revokes a live session once', async () => {
        const alice = await user('alice');
        const session = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: inAnHour(),
        });
        const other = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: inAnHour(),
        });
        const at = new Date('2026-11-26T10:00:00.000Z');
        expect(await store.sessions.revoke(session.id, at)).toBe(true);
        expect(await store.sessions.revoke(session.id, new Date())).toBe(false);
        expect((await store.sessions.findById(session.id))?.revokedAt?.toISOString()).toBe(
          at.toISOString(),
        );
        // Other sessions of the same user are untouched.
        expect(await store.sessions.findById(other.id)).toEqual(other);
      });

      it('reports exactly one winner for concurrent revocations', async () => {
        const alice = await user('alice');
        const session = await store.sessions.create({
          userId: alice.id,
          refreshExpiresAt: inAnHour(),
        });
        const results = await Promise.all(
          Array.from({ length: 5 }, () => store.sessions.revoke(session.id, new Date())),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('conversations', () => {
      it('creates the direct conversation once and finds it from either side', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const first = await store.conversations.findOrCreateDirect(alice.id, bob.id);
        expect(first.created).toBe(true);
        expect(first.conversation).toMatchObject({
          type: 'direct',
          title: null,
          memberIds: [alice.id, bob.id],
          lastSeq: 0,
        });
        expect(first.conversation.lastActivityAt.getTime()).toBe(
          first.conversation.createdAt.getTime(),
        );
        const again = await store.conversations.findOrCreateDirect(alice.id, bob.id);
        const reverse = await store.conversations.findOrCreateDirect(bob.id, alice.id);
        expect(again).toEqual({ conversation: first.conversation, created: false });
        expect(reverse).toEqual({ conversation: first.conversation, created: false });
        expect(await store.conversations.findById(first.conversation.id)).toEqual(
          first.conversation,
        );
      });

      it('creates the direct conversation once under concurrent calls from both sides', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const results = await Promise.all([
          store.conversations.findOrCreateDirect(alice.id, bob.id),
          store.conversations.findOrCreateDirect(bob.id, alice.id),
          store.conversations.findOrCreateDirect(alice.id, bob.id),
          store.conversations.findOrCreateDirect(bob.id, alice.id),
        ]);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1);
        expect(await store.conversations.listForMember(alice.id)).toHaveLength(1);
        expect(await store.conversations.listForMember(bob.id)).toHaveLength(1);
      });

      it('refuses a direct conversation of a user with themself', async () => {
        const alice = await user('alice');
        await expect(store.conversations.findOrCreateDirect(alice.id, alice.id)).rejects.toThrow();
        expect(await store.conversations.listForMember(alice.id)).toEqual([]);
      });

      it('keeps one direct conversation per pair', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const carol = await user('carol');
        const ab = await direct(alice, bob);
        const ac = await direct(alice, carol);
        const bc = await direct(bob, carol);
        expect(new Set([ab.id, ac.id, bc.id]).size).toBe(3);
      });

      it('refuses a group whose member ids repeat, and stores nothing', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        await expect(
          store.conversations.createGroup({
            title: 'Twice',
            memberIds: [alice.id, bob.id, bob.id],
          }),
        ).rejects.toThrow();
        expect(await store.conversations.listForMember(alice.id)).toEqual([]);
      });

      it('creates a group keeping its title and member order', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const carol = await user('carol');
        const dave = await user('dave');
        const memberIds = [carol.id, alice.id, dave.id, bob.id];
        const group = await store.conversations.createGroup({ title: 'Book club', memberIds });
        expect(group).toMatchObject({ type: 'group', title: 'Book club', memberIds, lastSeq: 0 });
        expect(group.createdAt).toBeInstanceOf(Date);
        expect(group.lastActivityAt.getTime()).toBe(group.createdAt.getTime());
        expect(await store.conversations.findById(group.id)).toEqual(group);
        // A second group with the same members is a different conversation.
        const again = await store.conversations.createGroup({ title: 'Book club', memberIds });
        expect(again.id).not.toBe(group.id);
      });

      it('lists a member’s conversations, most recent activity first', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const carol = await user('carol');
        const first = await direct(alice, bob);
        await sleep(5);
        const second = await store.conversations.createGroup({
          title: 'Trio',
          memberIds: [alice.id, bob.id, carol.id],
        });
        await sleep(5);
        const third = await direct(alice, carol);
        await sleep(5);
        await direct(bob, carol); // alice is no member of this one

        const ids = async () =>
          (await store.conversations.listForMember(alice.id)).map((s) => s.conversation.id);
        expect(await ids()).toEqual([third.id, second.id, first.id]);

        await sleep(5);
        await send(first.id, bob.id);
        expect(await ids()).toEqual([first.id, third.id, second.id]);

        await sleep(5);
        await send(second.id, carol.id);
        expect(await ids()).toEqual([second.id, first.id, third.id]);
      });

      it('lists an empty direct conversation only for the member who asked for it', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const ab = await direct(alice, bob);
        const ids = async (member: UserRecord) =>
          (await store.conversations.listForMember(member.id)).map((s) => s.conversation.id);
        expect(await ids(alice)).toEqual([ab.id]);
        expect(await ids(bob)).toEqual([]);
        // Still bob's conversation: he may read it and write into it.
        expect((await store.conversations.summaryFor(ab.id, bob.id))?.conversation).toEqual(ab);

        // The first message, from either side, lists it for both.
        await send(ab.id, alice.id);
        expect(await ids(alice)).toEqual([ab.id]);
        expect(await ids(bob)).toEqual([ab.id]);
      });

      it('lists an empty direct conversation for the other member once they ask too', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const carol = await user('carol');
        const ab = await direct(alice, bob);
        await sleep(5);
        const ac = await direct(alice, carol);
        expect(await store.conversations.findOrCreateDirect(bob.id, alice.id)).toEqual({
          conversation: ab,
          created: false,
        });
        expect(
          (await store.conversations.listForMember(bob.id)).map((s) => s.conversation.id),
        ).toEqual([ab.id]);
        // Asking again changes nothing for anyone.
        await direct(alice, bob);
        expect(
          (await store.conversations.listForMember(alice.id)).map((s) => s.conversation.id),
        ).toEqual([ac.id, ab.id]);
        expect(await store.conversations.listForMember(carol.id)).toEqual([]);
      });

      it('lists an empty group for every member at once', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const group = await store.conversations.createGroup({
          title: 'Pair',
          memberIds: [alice.id, bob.id],
        });
        for (const member of [alice, bob]) {
          const listed = await store.conversations.listForMember(member.id);
          expect(listed.map((s) => s.conversation)).toEqual([group]);
        }
      });

      it('summarises last message, unread count and every member’s watermarks', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const carol = await user('carol');
        const group = await store.conversations.createGroup({
          title: 'Trio',
          memberIds: [alice.id, bob.id, carol.id],
        });

        const empty = await store.conversations.summaryFor(group.id, alice.id);
        expect(empty).toEqual({
          conversation: group,
          lastMessage: null,
          watermarks: [
            { userId: alice.id, deliveredSeq: 0, readSeq: 0 },
            { userId: bob.id, deliveredSeq: 0, readSeq: 0 },
            { userId: carol.id, deliveredSeq: 0, readSeq: 0 },
          ],
          unreadCount: 0,
          notifications: 'all',
        });

        await send(group.id, bob.id, 'one'); // 1
        await send(group.id, alice.id, 'two'); // 2
        await send(group.id, carol.id, 'three'); // 3
        await send(group.id, bob.id, 'four'); // 4
        const last = await send(group.id, alice.id, 'five'); // 5

        await store.receipts.advance(group.id, alice.id, 'read', 1);
        await store.receipts.advance(group.id, bob.id, 'delivered', 4);

        const summary = await store.conversations.summaryFor(group.id, alice.id);
        expect(summary?.lastMessage).toEqual(last);
        expect(summary?.conversation.lastSeq).toBe(5);
        expect(summary?.conversation.lastActivityAt.getTime()).toBe(last.createdAt.getTime());
        // From others after seq 1: three (carol), four (bob). Alice's own are never unread.
        expect(summary?.unreadCount).toBe(2);
        expect(summary?.watermarks).toEqual([
          { userId: alice.id, deliveredSeq: 1, readSeq: 1 },
          { userId: bob.id, deliveredSeq: 4, readSeq: 0 },
          { userId: carol.id, deliveredSeq: 0, readSeq: 0 },
        ]);

        const bobView = await store.conversations.summaryFor(group.id, bob.id);
        expect(bobView?.unreadCount).toBe(3); // two, three, five
        const carolView = await store.conversations.summaryFor(group.id, carol.id);
        expect(carolView?.unreadCount).toBe(4);

        const listed = await store.conversations.listForMember(alice.id);
        expect(listed).toEqual([summary]);
        const bobListed = await store.conversations.listForMember(bob.id);
        expect(bobListed).toEqual([bobView]);
      });

      it('gives no summary to a non-member or for a missing conversation', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const carol = await user('carol');
        const ab = await direct(alice, bob);
        expect(await store.conversations.summaryFor(ab.id, carol.id)).toBeNull();
        expect(await store.conversations.summaryFor('not-an-id', alice.id)).toBeNull();
        expect(await store.conversations.listForMember(carol.id)).toEqual([]);
      });

      it('lists each peer once, without the user', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const carol = await user('carol');
        const dave = await user('dave');
        await user('erin');
        await direct(alice, bob);
        await store.conversations.createGroup({
          title: 'A',
          memberIds: [alice.id, bob.id, carol.id],
        });
        await store.conversations.createGroup({ title: 'B', memberIds: [carol.id, alice.id] });
        await direct(dave, bob);
        expect((await store.conversations.peerIds(alice.id)).sort()).toEqual(
          [bob.id, carol.id].sort(),
        );
        expect((await store.conversations.peerIds(bob.id)).sort()).toEqual(
          [alice.id, carol.id, dave.id].sort(),
        );
      });
    });

    describe('messages', () => {
      async function pair() {
        const alice = await user('alice');
        const bob = await user('bob');
        return { alice, bob, conversation: await direct(alice, bob) };
      }

      it('stores messages with seq 1, 2, 3 and moves the conversation along', async () => {
        const { alice, bob, conversation } = await pair();
        const first = await store.messages.append({
          conversationId: conversation.id,
          senderId: alice.id,
          clientId: 'c-1',
          body: 'Hi Bob 👋',
        });
        expect(first.created).toBe(true);
        expect(first.message).toMatchObject({
          conversationId: conversation.id,
          seq: 1,
          senderId: alice.id,
          clientId: 'c-1',
          body: 'Hi Bob 👋',
        });
        expect(first.message.createdAt).toBeInstanceOf(Date);
        const second = await send(conversation.id, bob.id);
        const third = await send(conversation.id, alice.id);
        expect([second.seq, third.seq]).toEqual([2, 3]);
        expect(new Set([first.message.id, second.id, third.id]).size).toBe(3);

        const after = await store.conversations.findById(conversation.id);
        expect(after?.lastSeq).toBe(3);
        expect(after?.lastActivityAt.getTime()).toBe(third.createdAt.getTime());
        expect(await store.messages.list(conversation.id, { limit: 50 })).toEqual([
          first.message,
          second,
          third,
        ]);
      });

      it('numbers many concurrent appends without gaps or repeats', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const carol = await user('carol');
        const group = await store.conversations.createGroup({
          title: 'Busy',
          memberIds: [alice.id, bob.id, carol.id],
        });
        const senders = [alice, bob, carol];
        const results = await Promise.all(
          senders.flatMap((sender) =>
            Array.from({ length: 50 }, (_, i) =>
              store.messages.append({
                conversationId: group.id,
                senderId: sender.id,
                clientId: `${sender.username}-${i}`,
                body: `message ${i} from ${sender.username}`,
              }),
            ),
          ),
        );
        expect(results.every((r) => r.created)).toBe(true);
        const allSeqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
        expect(allSeqs).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
        expect(new Set(results.map((r) => r.message.id)).size).toBe(150);

        const stored = await store.messages.list(group.id, { limit: 200 });
        expect(seqs(stored)).toEqual(allSeqs);
        expect((await store.conversations.findById(group.id))?.lastSeq).toBe(150);
        // What each append resolved with is exactly what was stored.
        const bySeq = new Map(stored.map((m) => [m.seq, m]));
        for (const { message } of results) expect(bySeq.get(message.seq)).toEqual(message);
      });

      it('keeps seq separate per conversation', async () => {
        const { alice, bob, conversation } = await pair();
        const carol = await user('carol');
        const other = await direct(alice, carol);
        await send(conversation.id, alice.id);
        await send(conversation.id, bob.id);
        expect((await send(other.id, carol.id)).seq).toBe(1);
        expect((await send(conversation.id, bob.id)).seq).toBe(3);
      });

      it('returns the first message for a repeated clientId and stores nothing', async () => {
        const { alice, bob, conversation } = await pair();
        const input = { conversationId: conversation.id, senderId: alice.id, clientId: 'same' };
        const first = await store.messages.append({ ...input, body: 'original' });
        await send(conversation.id, bob.id);
        const repeat = await store.messages.append({ ...input, body: 'changed on retry' });
        expect(first.created).toBe(true);
        expect(repeat).toEqual({ message: first.message, created: false });
        expect((await store.conversations.findById(conversation.id))?.lastSeq).toBe(2);
        expect(await store.messages.list(conversation.id, { limit: 50 })).toHaveLength(2);
      });

      it('finds the message a sender stored under a clientId, and only theirs', async () => {
        const { alice, bob, conversation } = await pair();
        const input = { conversationId: conversation.id, senderId: alice.id, clientId: 'kept' };
        const first = await store.messages.append({ ...input, body: 'original' });
        const find = store.messages.findByClientId.bind(store.messages);
        expect(await find(conversation.id, alice.id, 'kept')).toEqual(first.message);
        expect(await find(conversation.id, bob.id, 'kept')).toBeNull();
        expect(await find(conversation.id, alice.id, 'other')).toBeNull();
        expect(await find('no-such-conversation', alice.id, 'kept')).toBeNull();
      });

      it('stores a repeated clientId once also when the repeats arrive together', async () => {
        const { alice, conversation } = await pair();
        const input = { conversationId: conversation.id, senderId: alice.id, clientId: 'burst' };
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            store.messages.append({ ...input, body: `try ${i}` }),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const created = results.find((r) => r.created);
        for (const r of results) expect(r.message).toEqual(created?.message);
        expect(seqs(await store.messages.list(conversation.id, { limit: 50 }))).toEqual([1]);
      });

      it('scopes clientId to one sender in one conversation', async () => {
        const { alice, bob, conversation } = await pair();
        const carol = await user('carol');
        const other = await direct(alice, carol);
        const a = await store.messages.append({
          conversationId: conversation.id,
          senderId: alice.id,
          clientId: 'shared',
          body: 'a',
        });
        const b = await store.messages.append({
          conversationId: conversation.id,
          senderId: bob.id,
          clientId: 'shared',
          body: 'b',
        });
        const c = await store.messages.append({
          conversationId: other.id,
          senderId: alice.id,
          clientId: 'shared',
          body: 'c',
        });
        expect([a.created, b.created, c.created]).toEqual([true, true, true]);
        expect([a.message.seq, b.message.seq, c.message.seq]).toEqual([1, 2, 1]);
      });

      it('pages history by before and after, always ascending', async () => {
        const { alice, bob, conversation } = await pair();
        for (let i = 1; i <= 10; i++)
          await send(conversation.id, i % 2 ? alice.id : bob.id, `m${i}`);
        const other = await direct(alice, await user('carol'));
        await send(other.id, alice.id);

        const list = async (range: Parameters<Store['messages']['list']>[1]) =>
          seqs(await store.messages.list(conversation.id, range));
        expect(await list({ limit: 3 })).toEqual([8, 9, 10]);
        expect(await list({ limit: 50 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(await list({ limit: 2, before: 5 })).toEqual([3, 4]);
        expect(await list({ limit: 10, before: 3 })).toEqual([1, 2]);
        expect(await list({ limit: 10, before: 1 })).toEqual([]);
        expect(await list({ limit: 3, before: 100 })).toEqual([8, 9, 10]);
        expect(await list({ limit: 2, after: 7 })).toEqual([8, 9]);
        expect(await list({ limit: 3, after: 0 })).toEqual([1, 2, 3]);
        expect(await list({ limit: 5, after: 8 })).toEqual([9, 10]);
        expect(await list({ limit: 5, after: 10 })).toEqual([]);
        expect(await list({ limit: 5, before: undefined, after: undefined })).toEqual([
          6, 7, 8, 9, 10,
        ]);
        const page = await store.messages.list(conversation.id, { limit: 1, before: 2 });
        expect(page[0]).toMatchObject({ seq: 1, body: 'm1', senderId: alice.id });
      });

      it('reads back in a history page exactly the message each append returned', async () => {
        const { alice, bob, conversation } = await pair();
        const bodies = [
          'quotes " and \\ backslash',
          'tab\tnew\nline\u0001',
          'é 漢字 👍🏽',
          '[1, 2]',
          '',
        ];
        const appended = [];
        for (const [i, body] of bodies.entries()) {
          const { message } = await store.messages.append({
            conversationId: conversation.id,
            senderId: i % 2 ? bob.id : alice.id,
            clientId: `exact-${i}`,
            body,
          });
          appended.push(message);
        }
        expect(await store.messages.list(conversation.id, { limit: 50 })).toEqual(appended);
        expect(await store.messages.list(conversation.id, { limit: 50, after: 0 })).toEqual(
          appended,
        );
        expect(await store.messages.list(conversation.id, { limit: 50, changedAfter: 0 })).toEqual(
          appended,
        );
      });

      it('lists a page as list does, held messages as their versions (a store with listKnown)', async () => {
        const listKnown = store.messages.listKnown?.bind(store.messages);
        if (!listKnown) return;
        const { alice, bob, conversation } = await pair();
        for (let i = 0; i < 6; i++) await send(conversation.id, i % 2 ? bob.id : alice.id);
        await store.messages.react(conversation.id, 2, { userId: bob.id, emoji: '👍', on: true });
        const ranges = [
          { limit: 50 },
          { limit: 2, before: 5 },
          { limit: 3, after: 1 },
          { limit: 3, around: 4 },
          { limit: 4, changedAfter: 3 },
          { limit: 0 },
        ];
        for (const range of ranges) {
          const records = await store.messages.list(conversation.id, range);
          expect(await listKnown(conversation.id, range, () => false)).toEqual(records);
          // Held: the odd seqs, at the rev the store has; seq 2 at a rev it no longer has.
          const asked: [number, number][] = [];
          const page = await listKnown(conversation.id, range, (seq, rev) => {
            asked.push([seq, rev]);
            return seq % 2 === 1 || (seq === 2 && rev === 2);
          });
          expect(asked).toEqual(records.map((m) => [m.seq, m.rev]));
          expect(page).toEqual(
            records.map((m) =>
              m.seq % 2 === 1
                ? { seq: m.seq, rev: m.rev, hasAttachments: m.hasAttachments !== false }
                : m,
            ),
          );
        }
      });
    });

    describeMessageLifecycle({ store: () => store, user });
    describeGroupMembership({ store: () => store, user });
    describeAccounts({ store: () => store, user });
    describeSearch({ store: () => store, user });
    describePushSubscriptions({ store: () => store, user });

    describe('receipts', () => {
      async function withMessages(count: number) {
        const alice = await user('alice');
        const bob = await user('bob');
        const conversation = await direct(alice, bob);
        for (let i = 0; i < count; i++) await send(conversation.id, alice.id);
        return { alice, bob, conversation };
      }

      it('moves delivered up and never down', async () => {
        const { bob, conversation } = await withMessages(5);
        const id = conversation.id;
        expect(await store.receipts.advance(id, bob.id, 'delivered', 3)).toEqual({
          userId: bob.id,
          deliveredSeq: 3,
          readSeq: 0,
          moved: true,
        });
        expect(await store.receipts.advance(id, bob.id, 'delivered', 2)).toEqual({
          userId: bob.id,
          deliveredSeq: 3,
          readSeq: 0,
          moved: false,
        });
        expect(await store.receipts.advance(id, bob.id, 'delivered', 3)).toMatchObject({
          deliveredSeq: 3,
          moved: false,
        });
      });

      it('moves delivered along with read, and read never down', async () => {
        const { bob, conversation } = await withMessages(5);
        const id = conversation.id;
        expect(await store.receipts.advance(id, bob.id, 'read', 2)).toEqual({
          userId: bob.id,
          deliveredSeq: 2,
          readSeq: 2,
          moved: true,
        });
        expect(await store.receipts.advance(id, bob.id, 'delivered', 4)).toMatchObject({
          deliveredSeq: 4,
          readSeq: 2,
          moved: true,
        });
        // Reading up to 3 leaves the higher delivered watermark alone.
        expect(await store.receipts.advance(id, bob.id, 'read', 3)).toEqual({
          userId: bob.id,
          deliveredSeq: 4,
          readSeq: 3,
          moved: true,
        });
        expect(await store.receipts.advance(id, bob.id, 'read', 1)).toEqual({
          userId: bob.id,
          deliveredSeq: 4,
          readSeq: 3,
          moved: false,
        });
        // A delivered receipt below read moves nothing either.
        expect(await store.receipts.advance(id, bob.id, 'delivered', 1)).toMatchObject({
          deliveredSeq: 4,
          readSeq: 3,
          moved: false,
        });
      });

      it('clamps to the last seq of the conversation', async () => {
        const { bob, conversation } = await withMessages(5);
        expect(await store.receipts.advance(conversation.id, bob.id, 'read', 1_000)).toEqual({
          userId: bob.id,
          deliveredSeq: 5,
          readSeq: 5,
          moved: true,
        });
        expect(await store.receipts.advance(conversation.id, bob.id, 'read', 1_000)).toMatchObject({
          readSeq: 5,
          moved: false,
        });
        await send(conversation.id, bob.id);
        expect(
          await store.receipts.advance(conversation.id, bob.id, 'delivered', 1_000),
        ).toMatchObject({
          deliveredSeq: 6,
          readSeq: 5,
          moved: true,
        });
      });

      it('moves nothing in an empty conversation', async () => {
        const { bob, conversation } = await withMessages(0);
        expect(await store.receipts.advance(conversation.id, bob.id, 'read', 3)).toEqual({
          userId: bob.id,
          deliveredSeq: 0,
          readSeq: 0,
          moved: false,
        });
      });

      it('keeps each member’s watermarks apart and feeds the unread count', async () => {
        const { alice, bob, conversation } = await withMessages(4);
        await store.receipts.advance(conversation.id, bob.id, 'read', 3);
        const bobView = await store.conversations.summaryFor(conversation.id, bob.id);
        expect(bobView?.unreadCount).toBe(1);
        expect(bobView?.watermarks).toEqual([
          { userId: alice.id, deliveredSeq: 0, readSeq: 0 },
          { userId: bob.id, deliveredSeq: 3, readSeq: 3 },
        ]);
      });

      it('moves nothing and does not throw for a non-member or a missing conversation', async () => {
        const { conversation } = await withMessages(3);
        const carol = await user('carol');
        expect(await store.receipts.advance(conversation.id, carol.id, 'read', 2)).toEqual({
          userId: carol.id,
          deliveredSeq: 0,
          readSeq: 0,
          moved: false,
        });
        expect(await store.receipts.advance('not-an-id', carol.id, 'delivered', 2)).toMatchObject({
          moved: false,
        });
        expect(await store.conversations.summaryFor(conversation.id, carol.id)).toBeNull();
      });
    });

    describe('attachments', () => {
      let counter = 0;
      async function upload(
        uploaderId: string,
        over: Partial<NewAttachment> = {},
      ): Promise<AttachmentRecord> {
        counter++;
        return store.attachments.create({
          uploaderId,
          name: `photo ${counter}.webp`,
          contentType: 'image/webp',
          size: 1000 + counter,
          width: 2048,
          height: 1536,
          storageKey: `key-${randomUUID()}`,
          thumbnailKey: `thumb-${randomUUID()}`,
          thumbnailContentType: 'image/webp',
          createdAt: new Date(Date.UTC(2026, 10, 26, 10, 0, counter)),
          ...over,
        });
      }

      async function scene() {
        const alice = await user('alice');
        const bob = await user('bob');
        const conversation = await direct(alice, bob);
        const message = await send(conversation.id, alice.id);
        const use = {
          kind: 'message' as const,
          conversationId: conversation.id,
          messageId: message.id,
        };
        return { alice, bob, conversation, message, use };
      }

      it('creates an upload and finds it by id, loose and with every field kept', async () => {
        const alice = await user('alice');
        const created = await upload(alice.id, {
          name: 'Report "final" é.pdf',
          contentType: 'application/pdf',
          size: 0,
          width: null,
          height: null,
          thumbnailKey: null,
          thumbnailContentType: null,
        });
        expect(created).toMatchObject({
          uploaderId: alice.id,
          name: 'Report "final" é.pdf',
          contentType: 'application/pdf',
          size: 0,
          width: null,
          height: null,
          thumbnailKey: null,
          thumbnailContentType: null,
          use: null,
        });
        expect(typeof created.id).toBe('string');
        expect(await store.attachments.findById(created.id)).toEqual(created);
        const image = await upload(alice.id);
        expect(await store.attachments.findById(image.id)).toEqual(image);
        expect(image.id).not.toBe(created.id);
      });

      it('attaches uploads to a message all at once, in the order given', async () => {
        const { alice, message, use } = await scene();
        const first = await upload(alice.id);
        const second = await upload(alice.id);
        expect(await store.attachments.attach([second.id, first.id], alice.id, use)).toBe(true);
        expect((await store.attachments.findById(first.id))?.use).toEqual(use);
        const listed = await store.attachments.listForMessages([message.id]);
        expect(listed.map((a) => a.id)).toEqual([second.id, first.id]);
        expect(listed[0]).toEqual({ ...second, use });
      });

      it('attaches nothing when any upload is not a loose one of the uploader', async () => {
        const { alice, bob, use } = await scene();
        const mine = await upload(alice.id);
        const theirs = await upload(bob.id);
        const taken = await upload(alice.id);
        expect(await store.attachments.attach([taken.id], alice.id, { kind: 'avatar' })).toBe(true);
        const refused: string[][] = [
          [mine.id, theirs.id],
          [mine.id, taken.id],
          [mine.id, mine.id],
          [mine.id, 'not-an-id'],
          [],
        ];
        for (const ids of refused) {
          expect(await store.attachments.attach(ids, alice.id, use)).toBe(false);
        }
        expect((await store.attachments.findById(mine.id))?.use).toBeNull();
        expect((await store.attachments.findById(theirs.id))?.use).toBeNull();
        expect((await store.attachments.findById(taken.id))?.use).toEqual({ kind: 'avatar' });
        expect(await store.attachments.attach([mine.id], alice.id, use)).toBe(true);
      });

      it('lets exactly one of two concurrent sends attach the same uploads', async () => {
        const { alice, conversation, use } = await scene();
        const other = await send(conversation.id, alice.id, 'second');
        const uploads = await Promise.all([upload(alice.id), upload(alice.id), upload(alice.id)]);
        const ids = uploads.map((u) => u.id);
        const results = await Promise.all([
          store.attachments.attach(ids, alice.id, use),
          store.attachments.attach([...ids].reverse(), alice.id, { ...use, messageId: other.id }),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results[0] ? use.messageId : other.id;
        const found = await Promise.all(ids.map((id) => store.attachments.findById(id)));
        for (const attachment of found) {
          expect(attachment?.use).toMatchObject({ kind: 'message', messageId: winner });
        }
      });

      it('lists the attachments of several messages grouped by message', async () => {
        const { alice, conversation, message, use } = await scene();
        const later = await send(conversation.id, alice.id, 'later');
        const a = await upload(alice.id);
        const b = await upload(alice.id);
        const c = await upload(alice.id);
        await store.attachments.attach([a.id], alice.id, use);
        await store.attachments.attach([c.id, b.id], alice.id, { ...use, messageId: later.id });
        const listed = await store.attachments.listForMessages([later.id, message.id, 'nope']);
        expect(listed.map((x) => x.id)).toEqual([c.id, b.id, a.id]);
        expect(await store.attachments.listForMessages([])).toEqual([]);
      });

      it('deletes a message’s attachments and hands back their records', async () => {
        const { alice, message, use } = await scene();
        const a = await upload(alice.id);
        const b = await upload(alice.id);
        const loose = await upload(alice.id);
        await store.attachments.attach([b.id, a.id], alice.id, use);
        const removed = await store.attachments.deleteForMessage(message.id);
        expect(removed.map((x) => x.storageKey)).toEqual([b.storageKey, a.storageKey]);
        expect(await store.attachments.findById(a.id)).toBeNull();
        expect(await store.attachments.listForMessages([message.id])).toEqual([]);
        expect(await store.attachments.deleteForMessage(message.id)).toEqual([]);
        expect(await store.attachments.findById(loose.id)).toEqual(loose);
      });

      it('lists loose uploads older than a time, oldest first, and deletes only loose ones', async () => {
        const { alice, use } = await scene();
        const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 10, minute));
        const newer = await upload(alice.id, { createdAt: at(30) });
        const oldest = await upload(alice.id, { createdAt: at(1) });
        const older = await upload(alice.id, { createdAt: at(2) });
        const attached = await upload(alice.id, { createdAt: at(0) });
        await store.attachments.attach([attached.id], alice.id, use);

        const due = await store.attachments.listLooseBefore(at(10), 10);
        expect(due.map((x) => x.id)).toEqual([oldest.id, older.id]);
        expect((await store.attachments.listLooseBefore(at(10), 1)).map((x) => x.id)).toEqual([
          oldest.id,
        ]);
        expect(await store.attachments.listLooseBefore(at(10), 0)).toEqual([]);

        expect(await store.attachments.deleteLoose(attached.id)).toBe(false);
        expect(await store.attachments.findById(attached.id)).not.toBeNull();
        expect(await store.attachments.deleteLoose(oldest.id)).toBe(true);
        expect(await store.attachments.deleteLoose(oldest.id)).toBe(false);
        expect(await store.attachments.delete(attached.id)).toBe(true);
        expect(await store.attachments.delete(attached.id)).toBe(false);
        expect((await store.attachments.listLooseBefore(at(59), 10)).map((x) => x.id)).toEqual([
          older.id,
          newer.id,
        ]);
      });

      it('answers ids of any shape with nothing', async () => {
        const alice = await user('alice');
        for (const id of FOREIGN_IDS) {
          expect(await store.attachments.findById(id)).toBeNull();
          expect(await store.attachments.attach([id], alice.id, { kind: 'avatar' })).toBe(false);
          expect(await store.attachments.listForMessages([id])).toEqual([]);
          expect(await store.attachments.deleteForMessage(id)).toEqual([]);
          expect(await store.attachments.deleteLoose(id)).toBe(false);
          expect(await store.attachments.delete(id)).toBe(false);
        }
      });
    });

    describe('ping', () => {
      it('answers while the store is open, with or without data', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await user('alice');
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('rejects with StoreUnavailable once the store is closed', async () => {
        await store.close();
        await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailable);
      });
    });

    describe.skipIf(!openAnother)('two stores on one database (two API processes)', () => {
      it('sends from both at once into one conversation: seqs gapless, each clientId stored once', async () => {
        const other = await (openAnother as OpenAnother)(store);
        try {
          const alice = await user('alice');
          const bob = await user('bob');
          const conversation = await direct(alice, bob);
          const sends = 20;
          // Every send goes to both stores at the same time: the same clientId from two
          // processes (a retry that reached another instance) as well as a race for seq.
          const attempts = Array.from({ length: sends }, (_, i) => {
            const input = {
              conversationId: conversation.id,
              senderId: i % 2 === 0 ? alice.id : bob.id,
              clientId: `both-${i}`,
              body: `message ${i}`,
            };
            return Promise.all([store.messages.append(input), other.messages.append(input)]);
          });
          const results = await Promise.all(attempts);
          for (const [first, second] of results) {
            // Both answers name the one stored message; exactly one of them stored it.
            expect(second.message).toEqual(first.message);
            expect([first.created, second.created].filter(Boolean)).toHaveLength(1);
          }
          const seen = results.map(([first]) => first.message.seq).sort((a, b) => a - b);
          expect(seen).toEqual(Array.from({ length: sends }, (_, i) => i + 1));
          for (const reader of [store, other]) {
            const history = await reader.messages.list(conversation.id, { limit: 100 });
            expect(seqs(history)).toEqual(seen);
            expect(new Set(history.map((m) => m.clientId)).size).toBe(sends);
          }
          const summary = await other.conversations.summaryFor(conversation.id, alice.id);
          expect(summary?.conversation.lastSeq).toBe(sends);
          expect(summary?.lastMessage?.seq).toBe(sends);
        } finally {
          await other.close();
        }
      });

      if (openAnother) describeChangesAcrossStores({ store: () => store, openAnother, user });
    });

    describe('avatars', () => {
      async function avatarUpload(uploaderId: string, name = 'me.webp'): Promise<AvatarRecord> {
        const record = await store.attachments.create({
          uploaderId,
          name,
          contentType: 'image/webp',
          size: 4321,
          width: 640,
          height: 480,
          storageKey: `key-${randomUUID()}`,
          thumbnailKey: `thumb-${randomUUID()}`,
          thumbnailContentType: 'image/webp',
          createdAt: new Date(),
        });
        expect(await store.attachments.attach([record.id], uploaderId, { kind: 'avatar' })).toBe(
          true,
        );
        return {
          id: record.id,
          name: record.name,
          contentType: record.contentType,
          size: record.size,
          width: record.width,
          height: record.height,
          thumbnail: true,
        };
      }

      it('starts without one, sets, replaces and removes a user avatar', async () => {
        const alice = await user('alice');
        expect(alice.avatar).toBeNull();
        const first = await avatarUpload(alice.id, 'first.webp');
        const set = await store.users.setAvatar(alice.id, first);
        expect(set).toEqual({ user: { ...alice, avatar: first }, previous: null });
        expect(await store.users.findById(alice.id)).toEqual({ ...alice, avatar: first });
        expect((await store.users.findByIds([alice.id]))[0]?.avatar).toEqual(first);
        expect((await store.users.findByUsername('alice'))?.avatar).toEqual(first);

        const second = await avatarUpload(alice.id, 'second.webp');
        const replaced = await store.users.setAvatar(alice.id, second);
        expect(replaced?.previous).toEqual(first);
        expect(replaced?.user.avatar).toEqual(second);

        const removed = await store.users.setAvatar(alice.id, null);
        expect(removed).toEqual({ user: { ...alice, avatar: null }, previous: second });
        expect((await store.users.findById(alice.id))?.avatar).toBeNull();
        // Other fields are untouched by a change of avatar, and vice versa.
        await store.users.setAvatar(alice.id, first);
        expect((await store.users.setDisplayName(alice.id, 'Alice'))?.avatar).toEqual(first);
        expect(await store.users.setAvatar('not-an-id', null)).toBeNull();
      });

      it('hands each of two concurrent changes a different replaced avatar', async () => {
        const alice = await user('alice');
        const [a, b] = await Promise.all([avatarUpload(alice.id), avatarUpload(alice.id)]);
        const results = await Promise.all([
          store.users.setAvatar(alice.id, a),
          store.users.setAvatar(alice.id, b),
        ]);
        const previous = results.map((r) => r?.previous?.id ?? null).sort();
        // One of them replaced nothing, the other replaced the first one's avatar.
        expect(previous.filter((id) => id === null)).toHaveLength(1);
        const final = (await store.users.findById(alice.id))?.avatar?.id;
        expect([a.id, b.id]).toContain(final);
        expect(previous).toContain(final === a.id ? b.id : a.id);
      });

      it('sets and removes a group avatar, never a direct conversation one', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const group = await store.conversations.createGroup({
          title: 'Team',
          memberIds: [alice.id, bob.id],
        });
        expect(group.avatar).toBeNull();
        const picture = await avatarUpload(alice.id);
        const set = await store.conversations.setAvatar(group.id, picture);
        expect(set).toEqual({ conversation: { ...group, avatar: picture }, previous: null });
        expect((await store.conversations.findById(group.id))?.avatar).toEqual(picture);
        expect(
          (await store.conversations.summaryFor(group.id, bob.id))?.conversation.avatar,
        ).toEqual(picture);
        const listed = await store.conversations.listForMember(alice.id);
        expect(listed.find((s) => s.conversation.id === group.id)?.conversation.avatar).toEqual(
          picture,
        );
        // A rename keeps it.
        expect((await store.conversations.setTitle(group.id, 'Renamed'))?.avatar).toEqual(picture);
        const removed = await store.conversations.setAvatar(group.id, null);
        expect(removed?.previous).toEqual(picture);
        expect(removed?.conversation.avatar).toBeNull();

        const pair = await direct(alice, bob);
        expect(pair.avatar).toBeNull();
        expect(await store.conversations.setAvatar(pair.id, picture)).toBeNull();
        expect((await store.conversations.findById(pair.id))?.avatar).toBeNull();
        expect(await store.conversations.setAvatar('not-an-id', null)).toBeNull();
      });
    });

    describe('close', () => {
      it('stores appends that are still pending when the store closes', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const conversation = await direct(alice, bob);
        const pending = Array.from({ length: 10 }, (_, i) =>
          store.messages.append({
            conversationId: conversation.id,
            senderId: alice.id,
            clientId: `pending-${i}`,
            body: `pending ${i}`,
          }),
        );
        const closing = store.close();
        const results = await Promise.all(pending);
        await closing;
        expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 10 }, (_, i) => i + 1),
        );
        const afterClose = await store.messages
          .list(conversation.id, { limit: 50 })
          .catch((e: unknown) => e);
        expect(afterClose).toBeInstanceOf(StoreUnavailable);
      });

      it('rejects work after close with StoreUnavailable', async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const conversation = await direct(alice, bob);
        await store.close();
        await expect(send(conversation.id, alice.id)).rejects.toBeInstanceOf(StoreUnavailable);
        await expect(store.users.findById(alice.id)).rejects.toBeInstanceOf(StoreUnavailable);
        // A second close is harmless (afterEach closes again).
        await store.close();
      });
    });
  });
}
