import type { Person } from '../../shared/bridge';
import { Avatar, userPicture } from '../ui/Avatar';

export function PersonOption({
  person,
  onPick,
  trailing,
}: {
  person: Person;
  onPick: () => void;
  trailing?: string;
}) {
  return (
    <li>
      <button
        type="button"
        onClick={onPick}
        className="flex w-full items-center gap-3 rounded-lg px-2 py-2 text-left hover:bg-zinc-100 dark:hover:bg-zinc-800"
      >
        <Avatar
          id={person.id}
          name={person.displayName}
          size="sm"
          online={person.online}
          picture={userPicture(person)}
        />
        <span className="min-w-0 flex-1">
          <span className="block truncate text-sm font-medium">{person.displayName}</span>
          <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">
            @{person.username}
          </span>
        </span>
        {trailing !== undefined && (
          <span className="text-xs text-blue-600 dark:text-blue-400">{trailing}</span>
        )}
      </button>
    </li>
  );
}
