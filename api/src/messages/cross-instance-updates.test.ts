import { describe, expect, test } from 'vitest';
import { EventLog, openDirect, postMessage, registerUser } from '../../test/helpers';
import { useSharedInstances } from '../../test/shared-instances';

const { one, two, connect } = useSharedInstances('updates');

describe('message:updated across instances', () => {
  test('an edit, a reaction and a deletion on one instance reach every member socket on both', async () => {
    const ann = await registerUser(one);
    const ben = await registerUser(two);
    const direct = await openDirect(one, ann.accessToken, ben.user.id);
    const benLog = new EventLog(await connect(two, ben.accessToken), 'message:updated');
    // Ann's other device is on the other instance from the one she acts through.
    const annOther = new EventLog(await connect(two, ann.accessToken), 'message:updated');
    const annSame = new EventLog(await connect(one, ann.accessToken), 'message:updated');

    const sent = await postMessage(one, ann.accessToken, direct.id, 'helo');
    const messages = one.app.services.messages;
    const edited = await messages.edit(ann.user.id, direct.id, sent.seq, 'hello');
    const reacted = await two.app.services.messages.react(
      ben.user.id,
      direct.id,
      sent.seq,
      '👍',
      true,
    );
    const removed = await messages.remove(ann.user.id, direct.id, sent.seq);
    expect([edited.rev, reacted.rev, removed.rev]).toEqual([
      sent.rev + 1,
      sent.rev + 2,
      sent.rev + 3,
    ]);

    // Changes made through different instances reach a socket through different paths (one
    // locally, one through Redis), so their order may differ; clients keep the higher rev.
    for (const log of [benLog, annOther, annSame]) {
      for (const change of [edited, reacted, removed]) {
        await log.waitFor((m) => m.id === sent.id && m.rev === change.rev);
      }
      const received = log.events.filter((m) => m.id === sent.id).sort((a, b) => a.rev - b.rev);
      expect(received).toEqual([edited, reacted, removed]);
    }
  });

  test('many people reacting at once through both instances end in one state everywhere', async () => {
    const people = await Promise.all(
      Array.from({ length: 10 }, (_, i) => registerUser(i % 2 ? one : two)),
    );
    const [owner, ...rest] = people;
    if (!owner) throw new Error('no people');
    const groupResponse = await one.http.post<{ id: string }>('/api/conversations', {
      token: owner.accessToken,
      body: { type: 'group', title: 'Both sides', memberIds: rest.map((p) => p.user.id) },
    });
    const groupId = groupResponse.body.id;
    const watchers = await Promise.all(
      [owner, rest[0]].map(
        async (p, i) =>
          new EventLog(await connect(i ? two : one, p?.accessToken ?? ''), 'message:updated'),
      ),
    );
    const sent = await postMessage(two, owner.accessToken, groupId, 'vote here');
    const results = await Promise.all(
      people.flatMap((p, i) => {
        const service = (i % 2 ? one : two).app.services.messages;
        return [
          service.react(p.user.id, groupId, sent.seq, '👍', true),
          service.react(p.user.id, groupId, sent.seq, '🎉', i % 3 === 0),
        ];
      }),
    );
    const last = results.reduce((a, b) => (b.rev > a.rev ? b : a));
    const stored = await one.store.messages.get(groupId, sent.seq);
    expect(stored?.rev).toBe(last.rev);
    const thumbs = stored?.reactions.find((r) => r.emoji === '👍');
    expect([...(thumbs?.userIds ?? [])].sort()).toEqual(people.map((p) => p.user.id).sort());
    for (const watcher of watchers) {
      const final = await watcher.waitFor((m) => m.id === sent.id && m.rev === last.rev);
      expect(final.reactions).toEqual(stored?.reactions);
    }
  });
});
