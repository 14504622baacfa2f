import { PRIMARY_BUTTON, SECONDARY_BUTTON } from '../ui/buttons';
import { Dialog } from '../ui/Dialog';

/**
 * Asked at sign-out when the account still has unsent messages: they are its words, so
 * they are never dropped without asking, and never sent as anyone else (kept ones wait
 * for this account's next sign-in). Closing the dialog cancels the sign-out.
 */
export function SignOutDialog({
  unsent,
  onChoose,
  onClose,
}: {
  /** How many; the dialog is open while this is not null. */
  unsent: number | null;
  onChoose: (choice: 'keep' | 'discard') => void;
  onClose: () => void;
}) {
  const count = unsent ?? 0;
  const title = `Discard ${count} unsent ${count === 1 ? 'message' : 'messages'}?`;
  return (
    <Dialog open={unsent !== null} title={title} onClose={onClose}>
      <p className="text-sm text-zinc-700 dark:text-zinc-300">
        {count === 1 ? 'It has' : 'They have'} not reached the server yet. Kept,{' '}
        {count === 1 ? 'it is' : 'they are'} sent the next time you sign in to this account on this
        device.
      </p>
      <div className="flex flex-wrap justify-end gap-2">
        <button type="button" className={SECONDARY_BUTTON} onClick={() => onChoose('keep')}>
          Keep them for next time
        </button>
        <button
          type="button"
          className={`${PRIMARY_BUTTON} bg-red-700 hover:bg-red-800`}
          onClick={() => onChoose('discard')}
        >
          Discard and sign out
        </button>
      </div>
    </Dialog>
  );
}
