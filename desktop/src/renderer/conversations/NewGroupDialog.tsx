import { useState, type SyntheticEvent } from 'react';
import { LIMITS } from '@chat/protocol';
import type { Person } from '../../shared/bridge';
import { Dialog } from '../ui/Dialog';
import { PRIMARY_BUTTON, TEXT_INPUT } from '../ui/buttons';
import { PersonOption } from './PersonOption';
import { useUserSearch } from './useUserSearch';

export function NewGroupDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (conversationId: string) => void;
}) {
  const [title, setTitle] = useState('');
  const [query, setQuery] = useState('');
  const [members, setMembers] = useState<Person[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const search = useUserSearch(query);

  const reset = () => {
    setTitle('');
    setQuery('');
    setMembers([]);
    setError(null);
  };

  const close = () => {
    reset();
    onClose();
  };

  const toggle = (person: Person) =>
    setMembers((list) =>
      list.some((p) => p.id === person.id)
        ? list.filter((p) => p.id !== person.id)
        : [...list, person],
    );

  const trimmed = title.trim();
  const titleError =
    trimmed.length > LIMITS.titleMax ? `Use at most ${LIMITS.titleMax} characters.` : null;
  // The caller counts as a member: one other person makes a group of two.
  const canCreate = trimmed.length >= LIMITS.titleMin && titleError === null && members.length >= 1;

  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!canCreate || busy) return;
    setBusy(true);
    setError(null);
    const result = await window.chat.createGroup({
      title: trimmed,
      memberIds: members.map((m) => m.id),
    });
    setBusy(false);
    if (!result.ok) {
      setError(`Could not create the group: ${result.error.message}`);
      return;
    }
    reset();
    onCreated(result.value.id);
  };

  return (
    <Dialog open={open} title="New group" onClose={close}>
      <form className="flex min-h-0 flex-col gap-4" onSubmit={(e) => void submit(e)} noValidate>
        <label className="flex flex-col gap-1">
          <span className="text-sm font-medium text-zinc-700 dark:text-zinc-300">Group name</span>
          <input
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            aria-invalid={titleError !== null}
            className={TEXT_INPUT}
            placeholder="e.g. Weekend trip"
          />
          {titleError !== null && (
            <span className="text-xs text-red-600 dark:text-red-400">{titleError}</span>
          )}
        </label>

        {members.length > 0 && (
          <ul aria-label="Members" className="flex flex-wrap gap-2">
            {members.map((m) => (
              <li key={m.id}>
                <button
                  type="button"
                  onClick={() => toggle(m)}
                  aria-label={`Remove ${m.displayName}`}
                  className="inline-flex items-center gap-1 rounded-full bg-blue-100 py-1 pr-2 pl-3 text-sm text-blue-900 hover:bg-blue-200 dark:bg-blue-900/60 dark:text-blue-100"
                >
                  {m.displayName} <span aria-hidden="true">×</span>
                </button>
              </li>
            ))}
          </ul>
        )}

        <label className="flex flex-col gap-1">
          <span className="text-sm font-medium text-zinc-700 dark:text-zinc-300">Add people</span>
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Name or username"
            className={TEXT_INPUT}
          />
        </label>
        <div className="max-h-60 min-h-16 overflow-y-auto" aria-busy={search.searching}>
          {search.error !== null ? (
            <p role="alert" className="text-sm text-red-600 dark:text-red-400">
              {search.error}
            </p>
          ) : query.trim() !== '' && search.results.length === 0 ? (
            <p className="py-3 text-center text-sm text-zinc-600 dark:text-zinc-400">
              {search.searching ? 'Searching…' : `Nobody found for “${query.trim()}”.`}
            </p>
          ) : (
            <ul aria-label="People">
              {search.results.map((person) => (
                <PersonOption
                  key={person.id}
                  person={person}
                  onPick={() => toggle(person)}
                  {...(members.some((m) => m.id === person.id) ? { trailing: 'Added' } : {})}
                />
              ))}
            </ul>
          )}
        </div>

        {error !== null && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        <button type="submit" disabled={!canCreate || busy} className={PRIMARY_BUTTON}>
          {busy
            ? 'Creating…'
            : `Create group${members.length > 0 ? ` (${members.length + 1} members)` : ''}`}
        </button>
      </form>
    </Dialog>
  );
}
