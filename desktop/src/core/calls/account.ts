import { ok, type CoreHandlers } from '../../shared/bridge';
import { normalizeServerUrl } from '../api-client';
import { attempt, type CoreContext } from './context';

/** Signing in, registering, signing out, and the session as it is. */
export function accountCalls({
  session,
  api,
  state,
}: CoreContext): Pick<
  CoreHandlers,
  'signIn' | 'register' | 'signOut' | 'getSession' | 'getConnectionStatus'
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

    signOut: () =>
      attempt(undefined, async () => {
        await signOutQuietly();
        return null;
      }),

    getSession: () => Promise.resolve(ok(session.info())),

    getConnectionStatus: () => Promise.resolve(ok(state.connectionStatus())),
  };
}
