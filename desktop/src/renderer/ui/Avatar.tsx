import { avatarColour, initials } from './names';

export interface AvatarProps {
  id: string;
  name: string;
  size?: 'sm' | 'md' | 'lg';
  /** `undefined`: no presence dot (groups, or presence unknown). */
  online?: boolean;
}

const SIZES = {
  sm: 'size-8 text-xs',
  md: 'size-10 text-sm',
  lg: 'size-12 text-base',
} as const;

export function Avatar({ id, name, size = 'md', online }: AvatarProps) {
  return (
    <span className="relative inline-flex shrink-0" aria-hidden="true">
      <span
        className={`${SIZES[size]} ${avatarColour(id)} inline-flex items-center justify-center rounded-full font-semibold text-white select-none`}
      >
        {initials(name)}
      </span>
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
