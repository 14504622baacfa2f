/**
 * The group membership part of the store contract (version 2: rename, add, remove, leave,
 * admins and the hand-over when the last admin goes). Run by `describeStoreContract` for
 * every adapter; kept in its own file only because the suite is long.
 */
import { describe, expect, it } from 'vitest';
import type { Store, UserRecord } from '../src/store/types';

export interface GroupFixtures {
  store: () => Store;
  user: (username: string) => Promise<UserRecord>;
}

const FOREIGN = ['not-an-id', 'ffffffffffffffffffffffff', '{"$gt":""}', ''];

export function describeGroupMembership({ store, user }: GroupFixtures): void {
  async function group(size = 3) {
    const people: UserRecord[] = [];
    for (let i = 0; i < size; i++) people.push(await user(`member${i}`));
    const conversation = await store().conversations.createGroup({
      title: 'Team',
      memberIds: people.map((p) => p.id),
    });
    return { people, conversation, ids: people.map((p) => p.id) };
  }

  describe('group membership', () => {
    it('renames a group and says so in findById', async () => {
      const { conversation } = await group();
      const renamed = await store().conversations.setTitle(conversation.id, 'Renamed');
      expect(renamed?.title).toBe('Renamed');
      expect((await store().conversations.findById(conversation.id))?.title).toBe('Renamed');
    });

    it('never changes a direct conversation and answers null for unknown ids', async () => {
      const a = await user('dir_a');
      const b = await user('dir_b');
      const { conversation } = await store().conversations.findOrCreateDirect(a.id, b.id);
      const c = await user('dir_c');
      const conversations = store().conversations;
      expect(await conversations.setTitle(conversation.id, 'x')).toBeNull();
      expect(await conversations.addMembers(conversation.id, [c.id], 256)).toBeNull();
      expect(await conversations.removeMember(conversation.id, a.id)).toBeNull();
      expect(await conversations.setAdmin(conversation.id, a.id, true)).toBeNull();
      const after = await conversations.findById(conversation.id);
      expect(after).toMatchObject({ title: null, memberIds: [a.id, b.id], adminIds: [] });
      for (const id of FOREIGN) {
        expect(await conversations.setTitle(id, 'x')).toBeNull();
        expect(await conversations.addMembers(id, [c.id], 256)).toBeNull();
        expect(await conversations.removeMember(id, a.id)).toBeNull();
        expect(await conversations.setAdmin(id, a.id, true)).toBeNull();
      }
    });

    it('appends new members in order after the others, skipping those already in', async () => {
      const { conversation, ids } = await group(2);
      const newcomer = await user('newcomer');
      const other = await user('other');
      const after = await store().conversations.addMembers(
        conversation.id,
        [ids[1] ?? '', newcomer.id, other.id, newcomer.id],
        256,
      );
      expect(after).not.toBe('full');
      expect(after === 'full' ? null : after?.memberIds).toEqual([...ids, newcomer.id, other.id]);
      expect((await store().conversations.findById(conversation.id))?.memberIds).toEqual([
        ...ids,
        newcomer.id,
        other.id,
      ]);
      const summary = await store().conversations.summaryFor(conversation.id, newcomer.id);
      expect(summary?.conversation.id).toBe(conversation.id);
      expect(
        (await store().conversations.listForMember(newcomer.id)).map((s) => s.conversation.id),
      ).toEqual([conversation.id]);
    });

    it('adds no one when the group would pass the limit', async () => {
      const { conversation, ids } = await group(3);
      const a = await user('extra_a');
      const b = await user('extra_b');
      expect(await store().conversations.addMembers(conversation.id, [a.id, b.id], 4)).toBe('full');
      expect((await store().conversations.findById(conversation.id))?.memberIds).toEqual(ids);
      const after = await store().conversations.addMembers(conversation.id, [a.id], 4);
      expect(after === 'full' ? null : after?.memberIds).toEqual([...ids, a.id]);
    });

    it('keeps the limit under concurrent adds', async () => {
      const { conversation } = await group(2);
      const others: UserRecord[] = [];
      for (let i = 0; i < 6; i++) others.push(await user(`racer${i}`));
      const results = await Promise.all(
        others.map((o) => store().conversations.addMembers(conversation.id, [o.id], 5)),
      );
      expect(results.filter((r) => r !== 'full')).toHaveLength(3);
      expect((await store().conversations.findById(conversation.id))?.memberIds).toHaveLength(5);
    });

    it('removes a member: gone from the list, the summary and their conversation list', async () => {
      const { conversation, ids } = await group(3);
      const leaving = ids[2] ?? '';
      const after = await store().conversations.removeMember(conversation.id, leaving);
      expect(after?.memberIds).toEqual(ids.slice(0, 2));
      expect(await store().conversations.summaryFor(conversation.id, leaving)).toBeNull();
      expect(await store().conversations.listForMember(leaving)).toEqual([]);
      expect(await store().conversations.peerIds(leaving)).toEqual([]);
      // Again: nothing to remove, nothing changes.
      const again = await store().conversations.removeMember(conversation.id, leaving);
      expect(again?.memberIds).toEqual(ids.slice(0, 2));
    });

    it('hands the admin role to the longest-standing member when the last admin leaves', async () => {
      const { conversation, ids } = await group(3);
      const after = await store().conversations.removeMember(conversation.id, ids[0] ?? '');
      expect(after?.adminIds).toEqual([ids[1]]);
      expect((await store().conversations.findById(conversation.id))?.adminIds).toEqual([ids[1]]);
    });

    it('keeps the other admins when one of several leaves', async () => {
      const { conversation, ids } = await group(3);
      await store().conversations.setAdmin(conversation.id, ids[2] ?? '', true);
      const after = await store().conversations.removeMember(conversation.id, ids[0] ?? '');
      expect(after?.adminIds).toEqual([ids[2]]);
    });

    it('keeps a notification level per member, members only, all until chosen', async () => {
      const { conversation, ids } = await group(2);
      const outsider = await user('quiet_outsider');
      const conversations = store().conversations;
      expect((await conversations.summaryFor(conversation.id, ids[1] ?? ''))?.notifications).toBe(
        'all',
      );
      expect(await conversations.setNotifications(conversation.id, ids[1] ?? '', 'none')).toBe(
        true,
      );
      expect(await conversations.setNotifications(conversation.id, ids[1] ?? '', 'mentions')).toBe(
        true,
      );
      expect((await conversations.summaryFor(conversation.id, ids[1] ?? ''))?.notifications).toBe(
        'mentions',
      );
      expect((await conversations.summaryFor(conversation.id, ids[0] ?? ''))?.notifications).toBe(
        'all',
      );
      const listed = await conversations.listForMember(ids[1] ?? '');
      expect(listed.map((s) => s.notifications)).toEqual(['mentions']);
      expect(await conversations.setNotifications(conversation.id, outsider.id, 'none')).toBe(
        false,
      );
      for (const id of FOREIGN) {
        expect(await conversations.setNotifications(id, ids[0] ?? '', 'none')).toBe(false);
      }
      // The level does not disturb the watermarks it may share storage with.
      const mark = await store().receipts.advance(conversation.id, ids[1] ?? '', 'read', 0);
      expect(mark).toMatchObject({ deliveredSeq: 0, readSeq: 0 });
    });

    it('makes and unmakes admins, members only', async () => {
      const { conversation, ids } = await group(3);
      const outsider = await user('outsider');
      const made = await store().conversations.setAdmin(conversation.id, ids[1] ?? '', true);
      expect(new Set(made?.adminIds)).toEqual(new Set([ids[0], ids[1]]));
      const twice = await store().conversations.setAdmin(conversation.id, ids[1] ?? '', true);
      expect(twice?.adminIds).toHaveLength(2);
      const notMember = await store().conversations.setAdmin(conversation.id, outsider.id, true);
      expect(notMember?.adminIds).not.toContain(outsider.id);
      const unmade = await store().conversations.setAdmin(conversation.id, ids[0] ?? '', false);
      expect(unmade?.adminIds).toEqual([ids[1]]);
      expect((await store().conversations.findById(conversation.id))?.adminIds).toEqual([ids[1]]);
    });
  });
}
