import type { SessionInfo } from '../../shared/bridge';
import { userPicture } from '../ui/Avatar';
import { Dialog } from '../ui/Dialog';
import { AvatarEditor } from './AvatarEditor';

/** The signed-in user's profile: for now their picture (the avatar). */
export function ProfileDialog({
  open,
  onClose,
  session,
}: {
  open: boolean;
  onClose: () => void;
  session: SessionInfo;
}) {
  const { user } = session;
  return (
    <Dialog open={open} title="Profile" onClose={onClose}>
      <div className="flex flex-col items-center gap-1 pb-2">
        <p className="text-base font-semibold">{user.displayName}</p>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">@{user.username}</p>
      </div>
      <AvatarEditor
        id={user.id}
        name={user.displayName}
        current={userPicture(user)}
        save={async (attachmentId) => {
          const result = await window.chat.setMyAvatar({ attachmentId });
          return result.ok ? null : result.error.message;
        }}
      />
    </Dialog>
  );
}

/** A group's picture, for its admins. */
export function GroupAvatarDialog({
  open,
  onClose,
  conversation,
}: {
  open: boolean;
  onClose: () => void;
  conversation: { id: string; title: string | null; avatar?: { id: string } | null | undefined };
}) {
  const name = conversation.title ?? 'Group';
  return (
    <Dialog open={open} title={`Picture of ${name}`} onClose={onClose}>
      <AvatarEditor
        id={conversation.id}
        name={name}
        current={
          conversation.avatar
            ? { kind: 'conversation', id: conversation.id, avatarId: conversation.avatar.id }
            : null
        }
        save={async (attachmentId) => {
          const result = await window.chat.setGroupAvatar({
            conversationId: conversation.id,
            attachmentId,
          });
          return result.ok ? null : result.error.message;
        }}
      />
    </Dialog>
  );
}
