/** Starting points many API test files share. */
import type { Conversation } from '@chat/protocol';
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
