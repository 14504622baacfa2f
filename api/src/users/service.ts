import type { Person, User } from '@chat/protocol';
import { toUser } from '../auth/service';
import { ApiError } from '../http/errors';
import type { UserRecord, UserStore } from '../store/types';
import type { PresenceReader } from './presence';

export class UsersService {
  constructor(
    private readonly users: UserStore,
    private readonly presence: PresenceReader,
  ) {}

  async me(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    // A valid token for a user that no longer exists: treat like a dead session.
    if (!user) throw new ApiError('unauthorized');
    return toUser(user);
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
    };
  }
}
