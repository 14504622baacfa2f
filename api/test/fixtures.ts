/** Starting points many API test files share. */
import { randomUUID } from 'node:crypto';
import type { Conversation } from '@chat/protocol';
import { searchTerms } from '../src/store/search-terms';
import { openSqliteStore } from '../src/store/sqlite';
import type { SearchFileDamage, SearchThreadFailure } from '../src/store/sqlite/search-file';
import type { Store } from '../src/store/types';
import {
  openDirect,
  registerUser,
  startTestApi,
  type RegisteredUser,
  type TestApi,
  type TestApiOptions,
} from './helpers';

export interface PeopleAndDirect<S extends Store = Store> {
  api: TestApi<S>;
  ann: RegisteredUser;
  ben: RegisteredUser;
  /** A third person, in no conversation: the outsider. */
  eve: RegisteredUser;
  /** The direct conversation between ann and ben (opened by ann). */
  direct: Conversation;
}

/**
 * A fresh API with three registered people, ann and ben sharing a direct conversation.
 * The caller closes `api`.
 */
export async function startWithDirect<S extends Store = Store>(
  options: TestApiOptions<S> = {},
): Promise<PeopleAndDirect<S>> {
  const api = await startTestApi(options);
  try {
    const [ann, ben, eve] = await Promise.all([
      registerUser(api),
      registerUser(api),
      registerUser(api),
    ]);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    return { api, ann, ben, eve, direct };
  } catch (err) {
    await api.close();
    throw err;
  }
}

/**
 * Alice and Bob's direct conversation in a store (made on the first call, found on later
 * ones, so two stores on one file share it): Alice sends, Bob searches.
 */
export async function aliceAndBobSearching(store: Store) {
  const user = async (name: string) =>
    (await store.users.findByUsername(name)) ??
    store.users.create({ username: name, displayName: name, passwordHash: 'x' });
  const a = await user('alice');
  const b = await user('bob');
  const { conversation } = await store.conversations.findOrCreateDirect(a.id, b.id);
  const send = (body: string) =>
    store.messages.append({
      conversationId: conversation.id,
      senderId: a.id,
      clientId: randomUUID(),
      body,
    });
  const found = async (text: string) =>
    (await store.messages.search({ userId: b.id, terms: searchTerms(text), limit: 10 })).map(
      (m) => m.body,
    );
  return { a, b, conversation, send, found };
}

/**
 * A SQLite store on `path` whose search thread's failures and damaged search files are kept
 * in order and arrive as promises (`failure(n)`, `damage(n)`: the n-th, once told).
 */
export function watchedSqliteStore(path: string, busyTimeoutMs: number) {
  const failures: SearchThreadFailure[] = [];
  const damages: SearchFileDamage[] = [];
  let arrived: (() => void) | null = null;
  const store = openSqliteStore(path, {
    busyTimeoutMs,
    onSearchFailure: (failure) => {
      failures.push(failure);
      arrived?.();
    },
    onSearchDamaged: (damage) => {
      damages.push(damage);
      arrived?.();
    },
  });
  const arrival = async <T>(list: T[], n: number) => {
    while (list.length < n) await new Promise<void>((resolve) => (arrived = resolve));
    return list[n - 1];
  };
  return {
    store,
    failures,
    damages,
    failure: (n: number) => arrival(failures, n),
    damage: (n = 1) => arrival(damages, n),
  };
}
