/**
 * The accounts part of the store contract (version 2: account deletion and the username
 * hold, session activity and listing, blocking). Run by `describeStoreContract` for every
 * adapter; kept in its own file only because the suite is long.
 */
import { describe, expect, it } from 'vitest';
import { releasedUsername, UniqueViolation } from '../src/store/types';
import type { Store, UserRecord } from '../src/store/types';

export interface AccountFixtures {
  store: () => Store;
  user: (username: string, displayName?: string) => Promise<UserRecord>;
}

const FOREIGN = ['not-an-id', 'ffffffffffffffffffffffff', '{"$gt":""}', ''];
const HOUR = 60 * 60 * 1000;

export function describeAccounts({ store, user }: AccountFixtures): void {
  describe('accounts', () => {
    it('deleting an account erases its name and hash but holds the username', async () => {
      const ann = await user('ann_del', 'Ann Deleted');
      const at = new Date('2026-12-01T10:00:00.000Z');
      expect(await store().users.markDeleted(ann.id, at)).toBe(true);
      expect(await store().users.markDeleted(ann.id, at)).toBe(false);
      const after = await store().users.findById(ann.id);
      expect(after).toMatchObject({
        id: ann.id,
        username: 'ann_del',
        displayName: '',
        passwordHash: '',
        deletedAt: at,
      });
      expect((await store().users.findByUsername('ann_del'))?.id).toBe(ann.id);
      // Held: the unique index still has it.
      await expect(
        store().users.create({ username: 'ann_del', displayName: 'x', passwordHash: 'h' }),
      ).rejects.toBeInstanceOf(UniqueViolation);
      for (const id of FOREIGN) expect(await store().users.markDeleted(id, at)).toBe(false);
    });

    it('a deleted account is never found by search', async () => {
      const caller = await user('searcher');
      const gone = await user('zed_gone', 'Zed');
      await user('zed_here', 'Zed Here');
      await store().users.markDeleted(gone.id, new Date());
      const found = await store().users.search('zed', { excludeId: caller.id, limit: 10 });
      expect(found.map((u) => u.username)).toEqual(['zed_here']);
      expect(
        await store().users.search('', { excludeId: caller.id, limit: 10 }),
      ).not.toContainEqual(expect.objectContaining({ id: gone.id }));
    });

    it('releasing a deleted username frees it; a live one is never released', async () => {
      const live = await user('live_one');
      expect(await store().users.releaseUsername(live.id)).toBe(false);
      expect((await store().users.findById(live.id))?.username).toBe('live_one');

      const gone = await user('reused');
      await store().users.markDeleted(gone.id, new Date());
      expect(await store().users.releaseUsername(gone.id)).toBe(true);
      expect((await store().users.findById(gone.id))?.username).toBe(releasedUsername(gone.id));
      expect(await store().users.findByUsername('reused')).toBeNull();
      const again = await user('reused');
      expect(again.id).not.toBe(gone.id);
      expect(again.deletedAt).toBeNull();
      for (const id of FOREIGN) expect(await store().users.releaseUsername(id)).toBe(false);
    });

    it('sessions keep their client and start active at creation', async () => {
      const ann = await user('sess_ann');
      const session = await store().sessions.create({
        userId: ann.id,
        refreshExpiresAt: new Date(Date.now() + HOUR),
        client: 'Mozilla/5.0 Test',
      });
      expect(session).toMatchObject({ client: 'Mozilla/5.0 Test', revokedAt: null });
      expect(session.lastActiveAt.getTime()).toBe(session.createdAt.getTime());
      const bare = await store().sessions.create({
        userId: ann.id,
        refreshExpiresAt: new Date(Date.now() + HOUR),
      });
      expect((await store().sessions.findById(bare.id))?.client).toBe('');
    });

    it('touch moves lastActiveAt forward only', async () => {
      const ann = await user('touch_ann');
      const session = await store().sessions.create({
        userId: ann.id,
        refreshExpiresAt: new Date(Date.now() + HOUR),
      });
      const later = new Date(session.createdAt.getTime() + HOUR);
      await store().sessions.touch(session.id, later);
      expect((await store().sessions.findById(session.id))?.lastActiveAt).toEqual(later);
      await store().sessions.touch(session.id, new Date(later.getTime() - 1000));
      expect((await store().sessions.findById(session.id))?.lastActiveAt).toEqual(later);
      for (const id of FOREIGN) await store().sessions.touch(id, later);
    });

    it('listLive gives a user their unrevoked sessions, newest first, and nobody else', async () => {
      const ann = await user('list_ann');
      const ben = await user('list_ben');
      const expires = new Date(Date.now() + HOUR);
      const first = await store().sessions.create({ userId: ann.id, refreshExpiresAt: expires });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await store().sessions.create({ userId: ann.id, refreshExpiresAt: expires });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const third = await store().sessions.create({ userId: ann.id, refreshExpiresAt: expires });
      await store().sessions.create({ userId: ben.id, refreshExpiresAt: expires });
      await store().sessions.revoke(second.id, new Date());
      const live = await store().sessions.listLive(ann.id);
      expect(live.map((s) => s.id)).toEqual([third.id, first.id]);
      for (const id of FOREIGN) expect(await store().sessions.listLive(id)).toEqual([]);
    });

    it('blocks are one-way, idempotent, listed newest first, and undone', async () => {
      const ann = await user('block_ann');
      const ben = await user('block_ben');
      const cat = await user('block_cat');
      const users = store().users;
      await users.setBlocked(ann.id, ben.id, true, new Date('2026-12-01T10:00:00.000Z'));
      await users.setBlocked(ann.id, ben.id, true, new Date('2026-12-01T10:00:01.000Z'));
      await users.setBlocked(ann.id, cat.id, true, new Date('2026-12-01T10:00:02.000Z'));
      expect(await users.isBlocked(ann.id, ben.id)).toBe(true);
      expect(await users.isBlocked(ben.id, ann.id)).toBe(false);
      expect(await users.listBlocked(ann.id)).toEqual([cat.id, ben.id]);
      expect(await users.listBlocked(ben.id)).toEqual([]);
      await users.setBlocked(ann.id, ben.id, false, new Date());
      await users.setBlocked(ann.id, ben.id, false, new Date());
      expect(await users.isBlocked(ann.id, ben.id)).toBe(false);
      expect(await users.listBlocked(ann.id)).toEqual([cat.id]);
    });

    it('blocking an unknown id stores nothing and never throws', async () => {
      const ann = await user('block_foreign');
      for (const id of FOREIGN) {
        await store().users.setBlocked(ann.id, id, true, new Date());
        await store().users.setBlocked(id, ann.id, true, new Date());
        expect(await store().users.isBlocked(ann.id, id)).toBe(false);
        expect(await store().users.isBlocked(id, ann.id)).toBe(false);
        expect(await store().users.listBlocked(id)).toEqual([]);
      }
      expect(await store().users.listBlocked(ann.id)).toEqual([]);
    });
  });
}
