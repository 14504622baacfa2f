import type { Person, User } from '@chat/protocol';
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
  ) {}

  async me(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    // A valid token for a user that no longer exists: treat like a dead session.
    if (!user) throw new ApiError('unauthorized');
    return toUser(user);
  }

  /** Changes the profile; people sharing a conversation, and the user's sockets, are told. */
  async update(
    userId: string,
    change: { displayName?: string | undefined; avatarId?: string | null | undefined },
  ): Promise<User> {
    let user = await this.users.findById(userId);
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
    if (changed && this.profiles) {
      const peers = await this.profiles.peerIds(userId);
      this.profiles.notifier.toUsers([userId, ...peers], 'user:updated', this.toPerson(user));
    }
    return toUser(user);
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
    return found.map((user) => this.toPerson(user));
  }

  async person(id: string): Promise<Person> {
    const user = await this.users.findById(id);
    if (!user) throw new ApiError('not_found', 'No such user.');
    return this.toPerson(user);
  }

  toPerson(user: UserRecord): Person {
    const online = this.presence.isOnline(user.id);
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      online,
      lastSeenAt: online || user.lastSeenAt === null ? null : user.lastSeenAt.toISOString(),
      avatar: user.avatar,
    };
  }
}
