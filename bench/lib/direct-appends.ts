import type { Store } from '../../api/src/store/types';

/**
 * Seeds `conversations` direct conversations (as `npm run bench` drives: 100 pairs) and
 * returns an append of the next message, round-robin over them, each pair's two members
 * taking turns per round: the load of the store benches (store-append.ts, store-steady.ts).
 * `body(n)` writes the n-th message (0 up).
 */
export async function directAppends(
  store: Pick<Store, 'users' | 'conversations' | 'messages'>,
  conversations: number,
  body: (n: number) => string,
): Promise<() => ReturnType<Store['messages']['append']>> {
  const pairs: { conversationId: string; senders: [string, string] }[] = [];
  for (let i = 0; i < conversations; i++) {
    const [alice, bob] = await Promise.all(
      ['alice', 'bob'].map((name) =>
        store.users.create({ username: `${name}${i}`, displayName: name, passwordHash: 'x' }),
      ),
    );
    if (!alice || !bob) throw new Error('no users');
    const { conversation } = await store.conversations.findOrCreateDirect(alice.id, bob.id);
    pairs.push({ conversationId: conversation.id, senders: [alice.id, bob.id] });
  }
  let n = 0;
  return () => {
    const pair = pairs[n % pairs.length];
    if (!pair) throw new Error('no conversation');
    const sender = pair.senders[Math.floor(n / pairs.length) % 2] ?? '';
    const clientId = `bench-${n}`;
    return store.messages.append({
      conversationId: pair.conversationId,
      senderId: sender,
      clientId,
      body: body(n++),
    });
  };
}
