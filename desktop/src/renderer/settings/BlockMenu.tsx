import { useEffect, useState } from 'react';
import type { User } from '../../shared/bridge';
import { EllipsisIcon } from '../ui/icons';
import { MenuButton, MenuItem } from '../ui/Menu';

/**
 * The menu of a direct conversation's header: block or unblock the other person. While
 * blocked they cannot message you here and do not see you online or typing.
 */
export function DirectConversationMenu({ other }: { other: User }) {
  const [blocked, setBlocked] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void window.chat.listBlocked().then((result) => {
      if (live && result.ok) setBlocked(result.value.some((p) => p.id === other.id));
    });
    return () => {
      live = false;
    };
  }, [other.id]);

  const toggle = async () => {
    const next = blocked !== true;
    setError(null);
    const result = await window.chat.setBlocked({ userId: other.id, blocked: next });
    if (result.ok) setBlocked(next);
    else setError(result.error.message);
  };

  return (
    <>
      <MenuButton label="Conversation options" icon={<EllipsisIcon />}>
        <MenuItem onSelect={() => void toggle()}>
          {blocked === true ? `Unblock ${other.displayName}` : `Block ${other.displayName}`}
        </MenuItem>
      </MenuButton>
      {blocked === true && (
        <span role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
          Blocked
        </span>
      )}
      {error !== null && (
        <span role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </span>
      )}
    </>
  );
}
