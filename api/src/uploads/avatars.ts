import { ApiError } from '../http/errors';
import type { AttachmentStore, AvatarRecord, ConversationStore, UserStore } from '../store/types';
import { toAttachment, type Download, type UploadService } from './service';

export interface AvatarsDeps {
  attachments: Pick<AttachmentStore, 'findById' | 'attach'>;
  users: Pick<UserStore, 'findById'>;
  conversations: Pick<ConversationStore, 'findById'>;
  uploads: Pick<UploadService, 'serve' | 'erase'>;
}

/**
 * User and group avatars on top of uploads: an image upload of the caller's becomes an
 * avatar (its use is `avatar`, so the sweeper leaves it and no message can take it), a
 * replaced or removed one is erased with its bytes, and the avatar routes serve them.
 * Who may change whose avatar is the caller's rule (UsersService, GroupsService).
 */
export class Avatars {
  constructor(private readonly deps: AvatarsDeps) {}

  /**
   * Takes `attachmentId` for an avatar: it must be an image upload of `uploaderId` that
   * is not used for anything yet (else 400, naming `avatarId`). All or nothing.
   */
  async claim(uploaderId: string, attachmentId: string): Promise<AvatarRecord> {
    const record = await this.deps.attachments.findById(attachmentId);
    if (!record || record.uploaderId !== uploaderId || record.use !== null) {
      throw invalidAvatar('must be an upload of yours not attached to anything');
    }
    if (record.width === null || record.height === null || record.thumbnailKey === null) {
      throw invalidAvatar('must be an image');
    }
    // Loses to a send or another avatar change that took the upload meanwhile.
    if (!(await this.deps.attachments.attach([record.id], uploaderId, { kind: 'avatar' }))) {
      throw invalidAvatar('must be an upload of yours not attached to anything');
    }
    return toAttachment(record);
  }

  /** Erases an avatar that was replaced or removed (or claimed in vain): record and bytes. */
  async release(avatar: AvatarRecord | null): Promise<void> {
    if (avatar !== null) await this.deps.uploads.erase(avatar.id);
  }

  /** `GET /api/users/:id/avatar`: any signed-in user may see anyone's avatar. */
  async ofUser(userId: string, size: 'thumbnail' | 'full'): Promise<Download> {
    const user = await this.deps.users.findById(userId);
    return this.serve(user?.avatar ?? null, size);
  }

  /** `GET /api/conversations/:id/avatar`: members only, 404 for anyone else. */
  async ofConversation(
    conversationId: string,
    viewerId: string,
    size: 'thumbnail' | 'full',
  ): Promise<Download> {
    const conversation = await this.deps.conversations.findById(conversationId);
    if (!conversation?.memberIds.includes(viewerId)) throw new ApiError('not_found');
    return this.serve(conversation.avatar, size);
  }

  private async serve(avatar: AvatarRecord | null, size: 'thumbnail' | 'full'): Promise<Download> {
    if (avatar === null) throw new ApiError('not_found', 'No avatar.');
    const record = await this.deps.attachments.findById(avatar.id);
    if (!record) throw new ApiError('not_found', 'No avatar.');
    return this.deps.uploads.serve(record, size === 'full' ? 'original' : 'thumbnail');
  }
}

function invalidAvatar(message: string): ApiError {
  return new ApiError('invalid_request', `The avatar ${message}.`, [{ path: 'avatarId', message }]);
}
