import { ok, type CoreHandlers } from '../../shared/bridge';
import { normalizeServerUrl } from '../api-client';
import { accountKey } from '../outbox';
import { attempt, type CoreContext } from './context';

/** Signing in, registering, signing out, and the session as it is. */
export function accountCalls({
  session,
  api,
  state,
  outbox,
}: CoreContext): Pick<
  CoreHandlers,
  | 'signIn'
  | 'register'
  | 'signOut'
  | 'countUnsent'
  | 'getSession'
  | 'getConnectionStatus'
  | 'getPushKey'
  | 'subscribePush'
  | 'unsubscribePush'
  | 'getPushPreferences'
  | 'setPushPreferences'
> {
  async function signOutQuietly(): Promise<void> {
    const info = session.info();
    if (info === null) return;
    try {
      const token = await session.accessToken();
      await api.logout(info.serverUrl, token);
    } catch {
      // Unreachable or already revoked: the session is forgotten locally either way.
    }
    await session.end('signed-out');
  }

  return {
    getPushKey: () => attempt(undefined, () => api.pushKey()),
    subscribePush: (args) => attempt(args, (body) => api.subscribePush(body).then(() => null)),
    unsubscribePush: (args) => attempt(args, (body) => api.unsubscribePush(body).then(() => null)),
    getPushPreferences: () => attempt(undefined, () => api.pushPreferences()),
    setPushPreferences: (args) => attempt(args, (body) => api.setPushPreferences(body)),

    signIn: (args) =>
      attempt(args, async ({ serverUrl, username, password }) => {
        const url = normalizeServerUrl(serverUrl);
        await signOutQuietly();
        const auth = await api.login(url, { username, password });
        await session.begin(url, auth, 'signed-in');
        return { user: auth.user, serverUrl: url };
      }),

    register: (args) =>
      attempt(args, async ({ serverUrl, ...body }) => {
        const url = normalizeServerUrl(serverUrl);
        await signOutQuietly();
        const auth = await api.register(url, body);
        await session.begin(url, auth, 'registered');
        return { user: auth.user, serverUrl: url };
      }),

    // Unsent messages are kept per account (sent only once the same person signs in
    // again) unless the user chose to discard them.
    signOut: (args) =>
      attempt(args, async ({ unsent }) => {
        const info = session.info();
        await signOutQuietly();
        if (info !== null && unsent === 'discard') {
          await outbox.discardAccount(accountKey(info.serverUrl, info.user.id));
        }
        return null;
      }),

    countUnsent: () =>
      attempt(undefined, async () => {
        const info = session.info();
        return info === null ? 0 : outbox.unsentCount(accountKey(info.serverUrl, info.user.id));
      }),

    getSession: () => Promise.resolve(ok(session.info())),

    getConnectionStatus: () => Promise.resolve(ok(state.connectionStatus())),
  };
}
