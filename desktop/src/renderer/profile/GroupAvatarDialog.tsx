import { Dialog } from '../ui/Dialog';
import { AvatarEditor } from './AvatarEditor';

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
