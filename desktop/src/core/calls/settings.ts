import type { CoreHandlers } from '../../shared/bridge';
import { ClientError, clientError } from '../errors';
import { attempt, requireSession, type CoreContext } from './context';

/** The account settings: profile, password, sessions, blocked people, deletion. */
export function settingsCalls({
  session,
  api,
}: CoreContext): Pick<
  CoreHandlers,
  | 'updateProfile'
  | 'changePassword'
  | 'listSessions'
  | 'revokeSession'
  | 'revokeOtherSessions'
  | 'deleteAccount'
  | 'listBlocked'
  | 'setBlocked'
> {
  return {
    updateProfile: (args) =>
      attempt(args, async (change) => {
        requireSession(session);
        const user = await api.updateMe(change);
        session.updateUser(user);
        return user;
      }),

    changePassword: (args) =>
      attempt(args, async (body) => {
        requireSession(session);
        try {
          await api.changePassword(body);
        } catch (err) {
          // Here a 401 means the current password is wrong, not that the session ended.
          if (err instanceof ClientError && err.code === 'unauthorized') {
            throw clientError('unauthorized', 'The current password is wrong.');
          }
          throw err;
        }
        return null;
      }),

    listSessions: () =>
      attempt(undefined, async () => {
        requireSession(session);
        return api.listSessions();
      }),

    revokeSession: (args) =>
      attempt(args, async ({ sessionId }) => {
        requireSession(session);
        await api.revokeSession(sessionId);
        return null;
      }),

    revokeOtherSessions: () =>
      attempt(undefined, async () => {
        requireSession(session);
        const sessions = await api.listSessions();
        for (const other of sessions) {
          if (!other.current) await api.revokeSession(other.id);
        }
        return null;
      }),

    deleteAccount: (args) =>
      attempt(args, async ({ password }) => {
        requireSession(session);
        try {
          await api.deleteAccount(password);
        } catch (err) {
          if (err instanceof ClientError && err.code === 'unauthorized') {
            throw clientError('unauthorized', 'The password is wrong.');
          }
          throw err;
        }
        await session.end('signed-out');
        return null;
      }),

    listBlocked: () =>
      attempt(undefined, async () => {
        requireSession(session);
        return api.listBlocked();
      }),

    setBlocked: (args) =>
      attempt(args, async ({ userId, blocked }) => {
        requireSession(session);
        await api.setBlocked(userId, blocked);
        return null;
      }),
  };
}
