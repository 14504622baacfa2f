/**
 * The Web Push part of the store contract (issue #19): subscriptions belong to a live
 * session and end with it, endpoints are unique, levels and the text preference. Run by
 * `describeStoreContract` for every adapter.
 */
import { describe, expect, it } from 'vitest';
import type { NewPushSubscription, Store, UserRecord } from '../src/store/types';

export interface PushFixtures {
  store: () => Store;
  user: (username: string) => Promise<UserRecord>;
}

const FOREIGN = ['not-an-id', 'ffffffffffffffffffffffff', '{"$gt":""}', ''];
const DAY = 24 * 60 * 60 * 1000;

export function describePushSubscriptions({ store, user }: PushFixtures): void {
  let counter = 0;
  function subscription(userId: string, sessionId: string): NewPushSubscription {
    counter += 1;
    return {
      endpoint: `https://push.example/send/${counter}-${userId}`,
      userId,
      sessionId,
      p256dh: `p256dh-${counter}`,
      auth: `auth-${counter}`,
    };
  }
  async function session(userId: string, expiresInMs = DAY) {
    return store().sessions.create({
      userId,
      refreshExpiresAt: new Date(Date.now() + expiresInMs),
    });
  }

  describe('push subscriptions', () => {
    it('keeps a subscription for a live session and lists it for its user', async () => {
      const ann = await user('push_ann');
      const s = await session(ann.id);
      const input = subscription(ann.id, s.id);
      expect(await store().push.subscribe(input)).toBe(true);
      const [listed] = await store().push.listForUser(ann.id);
      expect(listed).toMatchObject({ ...input });
      expect(listed?.createdAt).toBeInstanceOf(Date);
      expect(await store().push.subscribedAmong([ann.id, ...FOREIGN])).toEqual([ann.id]);
    });

    it('refuses a revoked, expired, unknown or someone else’s session', async () => {
      const ann = await user('push_refuse_a');
      const ben = await user('push_refuse_b');
      const revoked = await session(ann.id);
      await store().sessions.revoke(revoked.id, new Date());
      const expired = await session(ann.id, -1_000);
      const bens = await session(ben.id);
      expect(await store().push.subscribe(subscription(ann.id, revoked.id))).toBe(false);
      expect(await store().push.subscribe(subscription(ann.id, expired.id))).toBe(false);
      expect(await store().push.subscribe(subscription(ann.id, bens.id))).toBe(false);
      for (const id of FOREIGN) {
        expect(await store().push.subscribe(subscription(ann.id, id))).toBe(false);
      }
      expect(await store().push.listForUser(ann.id)).toEqual([]);
    });

    it('ends a session’s subscriptions when the session is revoked, and no other', async () => {
      const ann = await user('push_revoke');
      const laptop = await session(ann.id);
      const phone = await session(ann.id);
      const a = subscription(ann.id, laptop.id);
      const b = subscription(ann.id, phone.id);
      await store().push.subscribe(a);
      await store().push.subscribe(b);
      await store().sessions.revoke(laptop.id, new Date());
      expect((await store().push.listForUser(ann.id)).map((s) => s.endpoint)).toEqual([b.endpoint]);
      // Revoking again (already revoked) changes nothing more.
      await store().sessions.revoke(laptop.id, new Date());
      expect(await store().push.listForUser(ann.id)).toHaveLength(1);
    });

    it('an endpoint subscribed again moves to the new session with the new keys', async () => {
      const ann = await user('push_move_a');
      const ben = await user('push_move_b');
      const first = await session(ann.id);
      const second = await session(ben.id);
      const input = subscription(ann.id, first.id);
      await store().push.subscribe(input);
      const moved = { ...input, userId: ben.id, sessionId: second.id, auth: 'new-auth' };
      expect(await store().push.subscribe(moved)).toBe(true);
      expect(await store().push.listForUser(ann.id)).toEqual([]);
      expect(await store().push.listForUser(ben.id)).toMatchObject([moved]);
    });

    it('unsubscribes only the owner’s endpoint; remove takes it whoever owns it', async () => {
      const ann = await user('push_unsub_a');
      const ben = await user('push_unsub_b');
      const s = await session(ann.id);
      const input = subscription(ann.id, s.id);
      await store().push.subscribe(input);
      expect(await store().push.unsubscribe(ben.id, input.endpoint)).toBe(false);
      for (const id of FOREIGN)
        expect(await store().push.unsubscribe(id, input.endpoint)).toBe(false);
      expect(await store().push.listForUser(ann.id)).toHaveLength(1);
      expect(await store().push.unsubscribe(ann.id, input.endpoint)).toBe(true);
      expect(await store().push.unsubscribe(ann.id, input.endpoint)).toBe(false);
      await store().push.subscribe(input);
      expect(await store().push.remove(input.endpoint)).toBe(true);
      expect(await store().push.remove(input.endpoint)).toBe(false);
      expect(await store().push.listForUser(ann.id)).toEqual([]);
    });

    it('reads members’ notification levels, "all" until set', async () => {
      const ann = await user('push_level_a');
      const ben = await user('push_level_b');
      const cat = await user('push_level_c');
      const group = await store().conversations.createGroup({
        title: 'Levels',
        memberIds: [ann.id, ben.id, cat.id],
      });
      await store().conversations.setNotifications(group.id, ben.id, 'mentions');
      await store().conversations.setNotifications(group.id, cat.id, 'none');
      const levels = await store().push.levelsOf(group.id, [ann.id, ben.id, cat.id]);
      expect(Object.fromEntries(levels)).toEqual({
        [ann.id]: 'all',
        [ben.id]: 'mentions',
        [cat.id]: 'none',
      });
      expect((await store().push.levelsOf(group.id, [])).size).toBe(0);
      for (const id of FOREIGN) await store().push.levelsOf(id, [ann.id]);
    });

    it('keeps whether pushes carry message text, true until turned off', async () => {
      const ann = await user('push_text');
      expect(await store().push.showText(ann.id)).toBe(true);
      await store().push.setShowText(ann.id, false);
      expect(await store().push.showText(ann.id)).toBe(false);
      await store().push.setShowText(ann.id, true);
      expect(await store().push.showText(ann.id)).toBe(true);
      for (const id of FOREIGN) expect(await store().push.showText(id)).toBe(true);
    });
  });
}
