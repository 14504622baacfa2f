import { useState } from 'react';
import { useAvatarUrl, type AvatarSource } from './avatar-url';
import { avatarColour, initials } from './names';

export interface AvatarProps {
  id: string;
  name: string;
  size?: 'sm' | 'md' | 'lg' | 'xl';
  /** `undefined`: no presence dot (groups, or presence unknown). */
  online?: boolean;
  /** The picture to show; the initials stand in while it loads, without one, or if it fails. */
  picture?: AvatarSource | null;
}

const SIZES = {
  sm: 'size-8 text-xs',
  md: 'size-10 text-sm',
  lg: 'size-12 text-base',
  xl: 'size-24 text-2xl',
} as const;

export function Avatar({ id, name, size = 'md', online, picture }: AvatarProps) {
  const url = useAvatarUrl(picture);
  // An image that does not decode falls back to the initials (remembered per URL).
  const [broken, setBroken] = useState<string | null>(null);
  const showImage = url !== null && broken !== url;
  return (
    <span className="relative inline-flex shrink-0" aria-hidden="true">
      {showImage ? (
        <img
          data-testid="avatar-image"
          src={url}
          alt=""
          onError={() => setBroken(url)}
          className={`${SIZES[size]} rounded-full object-cover`}
        />
      ) : (
        <span
          data-testid="avatar-initials"
          className={`${SIZES[size]} ${avatarColour(id)} inline-flex items-center justify-center rounded-full font-semibold text-white select-none`}
        >
          {initials(name)}
        </span>
      )}
      {online !== undefined && (
        <span
          className={`absolute right-0 bottom-0 size-3 rounded-full ring-2 ring-white dark:ring-zinc-900 ${
            online ? 'bg-emerald-500' : 'bg-zinc-400 dark:bg-zinc-600'
          }`}
        />
      )}
    </span>
  );
}

/** The picture of a user, if they have one. */
export function userPicture(user: {
  id: string;
  avatar?: { id: string } | null | undefined;
}): AvatarSource | null {
  return user.avatar ? { kind: 'user', id: user.id, avatarId: user.avatar.id } : null;
}

/** The picture of a group, if it has one. */
export function groupPicture(conversation: {
  id: string;
  avatar?: { id: string } | null | undefined;
}): AvatarSource | null {
  return conversation.avatar
    ? { kind: 'conversation', id: conversation.id, avatarId: conversation.avatar.id }
    : null;
}

/** A direct conversation shows the other person's picture, a group its own. */
export function conversationPicture(
  conversation: {
    id: string;
    type: 'direct' | 'group';
    avatar?: { id: string } | null | undefined;
  },
  other: { id: string; avatar?: { id: string } | null | undefined } | null | undefined,
): AvatarSource | null {
  if (conversation.type === 'group') return groupPicture(conversation);
  return other ? userPicture(other) : null;
}
