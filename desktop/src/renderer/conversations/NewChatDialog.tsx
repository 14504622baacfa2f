import { useState } from 'react';
import { Dialog } from '../ui/Dialog';
import { TEXT_INPUT } from '../ui/buttons';
import { PersonOption } from './PersonOption';
import { useUserSearch } from './useUserSearch';

export function NewChatDialog({
  open,
  onClose,
  onOpened,
}: {
  open: boolean;
  onClose: () => void;
  onOpened: (conversationId: string) => void;
}) {
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const search = useUserSearch(query);

  const close = () => {
    setQuery('');
    setError(null);
    onClose();
  };

  const start = async (userId: string) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    const result = await window.chat.openDirect({ userId });
    setBusy(false);
    if (!result.ok) {
      setError(`Could not open the chat: ${result.error.message}`);
      return;
    }
    setQuery('');
    onOpened(result.value.id);
  };

  return (
    <Dialog open={open} title="New chat" onClose={close}>
      <label className="flex flex-col gap-1">
        <span className="text-sm font-medium text-zinc-700 dark:text-zinc-300">Find people</span>
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Name or username"
          className={TEXT_INPUT}
        />
      </label>
      {error !== null && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
      <div className="min-h-32 overflow-y-auto" aria-busy={search.searching}>
        {query.trim() === '' ? (
          <p className="py-6 text-center text-sm text-zinc-600 dark:text-zinc-400">
            Type a name to find someone.
          </p>
        ) : search.error !== null ? (
          <p role="alert" className="py-6 text-center text-sm text-red-600 dark:text-red-400">
            {search.error}
          </p>
        ) : search.results.length === 0 ? (
          <p className="py-6 text-center text-sm text-zinc-600 dark:text-zinc-400">
            {search.searching ? 'Searching…' : `Nobody found for “${query.trim()}”.`}
          </p>
        ) : (
          <ul aria-label="People">
            {search.results.map((person) => (
              <PersonOption key={person.id} person={person} onPick={() => void start(person.id)} />
            ))}
          </ul>
        )}
      </div>
    </Dialog>
  );
}
