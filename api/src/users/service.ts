import { DELETED_ACCOUNT_NAME, type Person, type User } from '@chat/protocol';
import { toUser } from '../auth/service';
import { ApiError } from '../http/errors';
import type { Notifier } from '../realtime/notifier';
import type { ConversationStore, UserRecord, UserStore } from '../store/types';
import type { Avatars } from '../uploads/avatars';
import type { PresenceReader } from './presence';

export class UsersService {
  constructor(
    private readonly users: UserStore,
    private readonly presence: PresenceReader,
    private readonly profiles?: {
      peerIds: ConversationStore['peerIds'];
      notifier: Notifier;
      avatars?: Pick<Avatars, 'claim' | 'release'>;
    },
    /** Told after a block changed, before it is answered: caches of it must drop it. */
    private readonly blocksChanged?: (blockerId: string) => Promise<void>,
  ) {}

  async me(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    // A valid token for a user that no longer exists: treat like a dead session.
    if (!user || user.deletedAt !== null) throw new ApiError('unauthorized');
    return toUser(user);
  }

  /** Changes the profile; people sharing a conversation, and the user's sockets, are told. */
  async update(
    userId: string,
    change: { displayName?: string | undefined; avatarId?: string | null | undefined },
  ): Promise<User> {
    let user = await this.users.findById(userId);
    if (user?.deletedAt != null) throw new ApiError('unauthorized');
    let changed = false;
    if (change.displayName !== undefined && user && user.displayName !== change.displayName) {
      user = await this.users.setDisplayName(userId, change.displayName);
      changed = true;
    }
    const { avatarId } = change;
    if (avatarId !== undefined && user && (user.avatar?.id ?? null) !== avatarId) {
      user = await this.setAvatar(userId, avatarId);
      changed = true;
    }
    if (!user) throw new ApiError('unauthorized');
    if (changed) await this.announce(user);
    return toUser(user);
  }

  /** Tells the user's sockets and everyone sharing a conversation how they look now. */
  async announce(user: UserRecord): Promise<void> {
    if (!this.profiles) return;
    const peers = await this.profiles.peerIds(user.id);
    this.profiles.notifier.toUsers([user.id, ...peers], 'user:updated', this.toPerson(user));
  }

  /** Blocking (version 2): see the contract's "Blocking". Idempotent. */
  async block(callerId: string, targetId: string): Promise<void> {
    if (targetId === callerId) {
      throw new ApiError('invalid_request', 'You cannot block yourself.', [
        { path: 'id', message: 'must not be the caller' },
      ]);
    }
    const target = await this.users.findById(targetId);
    if (!target) throw new ApiError('not_found', 'No such user.');
    await this.users.setBlocked(callerId, target.id, true, new Date());
    await this.blocksChanged?.(callerId);
  }

  async unblock(callerId: string, targetId: string): Promise<void> {
    const target = await this.users.findById(targetId);
    if (!target) throw new ApiError('not_found', 'No such user.');
    await this.users.setBlocked(callerId, target.id, false, new Date());
    await this.blocksChanged?.(callerId);
  }

  /** The people the caller blocks, the most recently blocked first. */
  async blocked(callerId: string): Promise<Person[]> {
    const ids = await this.users.listBlocked(callerId);
    const byId = new Map((await this.users.findByIds(ids)).map((u) => [u.id, u]));
    return ids.flatMap((id) => {
      const user = byId.get(id);
      return user ? [this.toPerson(user)] : [];
    });
  }

  /** A deleted account's picture goes with it: removed, and its stored bytes erased. */
  async eraseAvatar(userId: string): Promise<void> {
    const result = await this.users.setAvatar(userId, null);
    if (result) await this.profiles?.avatars?.release(result.previous);
  }

  /** Claims the upload, stores it as the avatar, then erases the one it replaced. */
  private async setAvatar(userId: string, avatarId: string | null): Promise<UserRecord | null> {
    const avatars = this.profiles?.avatars;
    if (!avatars) throw new ApiError('invalid_request', 'Avatars are not available here.');
    const avatar = avatarId === null ? null : await avatars.claim(userId, avatarId);
    const result = await this.users.setAvatar(userId, avatar);
    if (!result) {
      await avatars.release(avatar);
      return null;
    }
    await avatars.release(result.previous);
    return result.user;
  }

  async search(callerId: string, query: { q: string; limit: number }): Promise<Person[]> {
    const found = await this.users.search(query.q, { excludeId: callerId, limit: query.limit });
    return Promise.all(found.map((user) => this.personFor(callerId, user)));
  }

  async person(id: string, callerId: string): Promise<Person> {
    const user = await this.users.findById(id);
    if (!user) throw new ApiError('not_found', 'No such user.');
    return this.personFor(callerId, user);
  }

  /**
   * The person as `callerId` may see them: someone who blocks the caller shows no presence
   * to them (offline, no last seen), as their `presence` events are not sent either.
   */
  private async personFor(callerId: string, user: UserRecord): Promise<Person> {
    const person = this.toPerson(user);
    if (!person.online && person.lastSeenAt === null) return person;
    if (!(await this.users.isBlocked(user.id, callerId))) return person;
    return { ...person, online: false, lastSeenAt: null };
  }

  toPerson(user: UserRecord): Person {
    if (user.deletedAt !== null) {
      return {
        id: user.id,
        username: null,
        displayName: DELETED_ACCOUNT_NAME,
        online: false,
        lastSeenAt: null,
        deleted: true,
        avatar: null,
      };
    }
    const online = this.presence.isOnline(user.id);
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      online,
      lastSeenAt: online || user.lastSeenAt === null ? null : user.lastSeenAt.toISOString(),
      deleted: false,
      avatar: user.avatar,
    };
  }
}
