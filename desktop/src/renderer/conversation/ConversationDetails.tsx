/**
 * The conversation details panel, opened from the conversation header: a group's name
 * (renamed inline by admins), its members with their role and presence, adding and
 * removing people and admins (admins only; others are told why they cannot), leaving
 * (confirmed), and the caller's notification level. For a direct conversation only the
 * person and the level. A modal dialog: focus moves in, stays in, and returns on close.
 *
 * Every change goes to the server; what the panel shows comes back from it as the
 * conversation (the core's `conversation` events), so it is the same in every window.
 */
import { useId, useState, type SyntheticEvent } from 'react';
import { LIMITS } from '@chat/protocol';
import type { ConversationView, NotificationLevel, Person, User } from '../../shared/bridge';
import { PersonOption } from '../conversations/PersonOption';
import { useUserSearch } from '../conversations/useUserSearch';
import { changeNotificationLevel, LEVEL_LABELS, levelOf } from '../preferences/preferences';
import { getAppStore, useChat } from '../store/store';
import { Avatar } from '../ui/Avatar';
import { PRIMARY_BUTTON, SECONDARY_BUTTON, TEXT_INPUT } from '../ui/buttons';
import { Dialog } from '../ui/Dialog';
import { conversationTitle, otherMember } from '../ui/names';

const SMALL_BUTTON =
  'rounded-md px-2 py-1 text-xs font-medium text-blue-700 hover:bg-blue-50 disabled:opacity-50 dark:text-blue-300 dark:hover:bg-blue-950';
const DANGER_SMALL_BUTTON =
  'rounded-md px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 disabled:opacity-50 dark:text-red-300 dark:hover:bg-red-950';
const SECTION_TITLE =
  'text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400';

const LEVEL_HINTS: Readonly<Record<NotificationLevel, string>> = {
  all: 'Every new message notifies you.',
  mentions: 'Only messages that mention you notify you.',
  none: 'Nothing notifies you; unread messages still show in the list.',
};

type Run = (
  what: string,
  action: () => Promise<{ ok: boolean; error?: { message: string } }>,
) => Promise<boolean>;

export function ConversationDetails({
  conversation,
  selfId,
  open,
  onClose,
}: {
  conversation: ConversationView;
  selfId: string;
  open: boolean;
  onClose: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const isGroup = conversation.type === 'group';
  const isAdmin = isGroup && conversation.admins.includes(selfId);

  /** Runs one change; a refusal is shown with what was tried. Resolves with success. */
  const run: Run = async (what, action) => {
    setBusy(true);
    setError(null);
    const result = await action();
    setBusy(false);
    if (!result.ok) setError(`Could not ${what}: ${result.error?.message ?? 'unknown error'}`);
    return result.ok;
  };

  const close = () => {
    setError(null);
    onClose();
  };

  return (
    <Dialog open={open} title={isGroup ? 'Group details' : 'Conversation details'} onClose={close}>
      <div className="-mx-5 flex min-h-0 flex-col gap-5 overflow-y-auto px-5" aria-busy={busy}>
        {isGroup ? (
          <GroupTitle conversation={conversation} isAdmin={isAdmin} busy={busy} run={run} />
        ) : (
          <DirectPerson conversation={conversation} selfId={selfId} />
        )}
        <LevelChoice conversation={conversation} />
        {isGroup && (
          <Members
            conversation={conversation}
            selfId={selfId}
            isAdmin={isAdmin}
            busy={busy}
            run={run}
          />
        )}
        {isGroup && isAdmin && <AddPeople conversation={conversation} busy={busy} run={run} />}
        {error !== null && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        {isGroup && (
          <LeaveGroup
            conversation={conversation}
            selfId={selfId}
            busy={busy}
            run={run}
            onLeft={close}
          />
        )}
      </div>
    </Dialog>
  );
}

function GroupTitle({
  conversation,
  isAdmin,
  busy,
  run,
}: {
  conversation: ConversationView;
  isAdmin: boolean;
  busy: boolean;
  run: Run;
}) {
  const current = conversation.title ?? 'Group';
  const [editing, setEditing] = useState(false);
  // After saving or cancelling, the keyboard goes back to "Rename" (the field is gone).
  const [refocus, setRefocus] = useState(false);
  const [draft, setDraft] = useState(current);
  const stopEditing = () => {
    setEditing(false);
    setRefocus(true);
  };
  const trimmed = draft.trim();
  const tooLong = Array.from(trimmed).length > LIMITS.titleMax;
  const valid = trimmed.length >= LIMITS.titleMin && !tooLong;

  const save = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!valid || busy) return;
    if (trimmed === current) {
      stopEditing();
      return;
    }
    const ok = await run('rename the group', () =>
      window.chat.renameGroup({ conversationId: conversation.id, title: trimmed }),
    );
    if (ok) stopEditing();
  };

  if (editing) {
    return (
      <form className="flex flex-col gap-2" onSubmit={(e) => void save(e)} noValidate>
        <label className="flex flex-col gap-1">
          <span className={SECTION_TITLE}>Group name</span>
          <input
            // Focus follows the click on "Rename": the field is what the user asked for.
            autoFocus
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              // Escape cancels the rename, not the whole panel.
              if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                setDraft(current);
                stopEditing();
              }
            }}
            aria-invalid={!valid}
            className={TEXT_INPUT}
          />
          {tooLong && (
            <span className="text-xs text-red-600 dark:text-red-400">
              Use at most {LIMITS.titleMax} characters.
            </span>
          )}
        </label>
        <div className="flex gap-2">
          <button type="submit" disabled={!valid || busy} className={PRIMARY_BUTTON}>
            Save
          </button>
          <button
            type="button"
            className={SECONDARY_BUTTON}
            onClick={() => {
              setDraft(current);
              stopEditing();
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    );
  }

  return (
    <div className="flex items-center gap-3">
      <Avatar id={conversation.id} name={current} />
      <div className="min-w-0 flex-1">
        <p className="truncate text-base font-semibold" data-testid="details-title">
          {current}
        </p>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          Group · {conversation.members.length} members
        </p>
      </div>
      {isAdmin ? (
        <button
          type="button"
          className={SMALL_BUTTON}
          autoFocus={refocus}
          onClick={() => {
            setDraft(current);
            setEditing(true);
          }}
        >
          Rename
        </button>
      ) : (
        <span className="text-xs text-zinc-600 dark:text-zinc-400">Only admins can rename</span>
      )}
    </div>
  );
}

function DirectPerson({
  conversation,
  selfId,
}: {
  conversation: ConversationView;
  selfId: string;
}) {
  const other = otherMember(conversation, selfId);
  const online = useChat((s) => (other === null ? undefined : s.presence[other.id]?.online));
  if (other === null) return null;
  return (
    <div className="flex items-center gap-3">
      <Avatar id={other.id} name={other.displayName} online={online} />
      <div className="min-w-0">
        <p className="truncate text-base font-semibold">{other.displayName}</p>
        <p className="truncate text-xs text-zinc-600 dark:text-zinc-400">
          @{other.username}
          {online === true ? ' · online' : ''}
        </p>
      </div>
    </div>
  );
}

function LevelChoice({ conversation }: { conversation: ConversationView }) {
  const level = levelOf(conversation);
  const [error, setError] = useState<string | null>(null);
  const hintId = useId();
  return (
    <fieldset className="flex flex-col gap-1.5" aria-describedby={hintId}>
      <legend className={`${SECTION_TITLE} mb-1`}>Notifications</legend>
      {(['all', 'mentions', 'none'] as const).map((option) => (
        <label key={option} className="flex cursor-pointer items-center gap-2 text-sm">
          <input
            type="radio"
            name={`level-${conversation.id}`}
            value={option}
            checked={level === option}
            onChange={() => {
              setError(null);
              void changeNotificationLevel(
                getAppStore(),
                window.chat,
                conversation.id,
                option,
              ).then(setError);
            }}
            className="size-4 accent-blue-600"
          />
          {LEVEL_LABELS[option]}
        </label>
      ))}
      <p id={hintId} className="text-xs text-zinc-600 dark:text-zinc-400">
        {LEVEL_HINTS[level]} The same on all your devices.
      </p>
      {error !== null && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function Members({
  conversation,
  selfId,
  isAdmin,
  busy,
  run,
}: {
  conversation: ConversationView;
  selfId: string;
  isAdmin: boolean;
  busy: boolean;
  run: Run;
}) {
  const presence = useChat((s) => s.presence);
  // Admins first, then by name; the caller among them as anyone else.
  const members = [...conversation.members].sort((a, b) => {
    const admin =
      Number(conversation.admins.includes(b.id)) - Number(conversation.admins.includes(a.id));
    return admin !== 0 ? admin : a.displayName.localeCompare(b.displayName);
  });
  return (
    <section className="flex flex-col gap-1" aria-labelledby={`members-${conversation.id}`}>
      <h3 id={`members-${conversation.id}`} className={SECTION_TITLE}>
        {conversation.members.length} members
      </h3>
      {!isAdmin && (
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          Only admins can add or remove people and choose admins.
        </p>
      )}
      <ul aria-label="Members" className="flex flex-col">
        {members.map((member) => (
          <MemberRow
            key={member.id}
            member={member}
            conversation={conversation}
            self={member.id === selfId}
            admin={conversation.admins.includes(member.id)}
            online={presence[member.id]?.online}
            canManage={isAdmin && member.id !== selfId}
            busy={busy}
            run={run}
          />
        ))}
      </ul>
    </section>
  );
}

function MemberRow({
  member,
  conversation,
  self,
  admin,
  online,
  canManage,
  busy,
  run,
}: {
  member: User;
  conversation: ConversationView;
  self: boolean;
  admin: boolean;
  online: boolean | undefined;
  canManage: boolean;
  busy: boolean;
  run: Run;
}) {
  const name = member.displayName;
  return (
    <li className="flex items-center gap-3 rounded-lg px-1 py-1.5" data-testid="member">
      <Avatar id={member.id} name={name} size="sm" online={online} />
      <span className="min-w-0 flex-1">
        <span className="flex items-center gap-1.5">
          <span className="truncate text-sm font-medium">
            {name}
            {self ? ' (you)' : ''}
          </span>
          {admin && (
            <span className="shrink-0 rounded-full bg-blue-100 px-1.5 py-0.5 text-[11px] font-semibold text-blue-800 dark:bg-blue-900/60 dark:text-blue-100">
              Admin
            </span>
          )}
        </span>
        <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">
          @{member.username}
          {online === true ? ' · online' : ''}
        </span>
      </span>
      {canManage && (
        <span className="flex shrink-0 gap-1">
          <button
            type="button"
            disabled={busy}
            className={SMALL_BUTTON}
            onClick={() =>
              void run(admin ? `remove ${name} as admin` : `make ${name} an admin`, () =>
                window.chat.setAdmin({
                  conversationId: conversation.id,
                  userId: member.id,
                  admin: !admin,
                }),
              )
            }
          >
            {/* The visible words start the accessible name; the member's name ends it. */}
            {admin ? 'Remove admin' : 'Make admin'}
            <span className="sr-only"> ({name})</span>
          </button>
          <button
            type="button"
            disabled={busy}
            className={DANGER_SMALL_BUTTON}
            onClick={() =>
              void run(`remove ${name}`, () =>
                window.chat.removeMember({ conversationId: conversation.id, userId: member.id }),
              )
            }
          >
            Remove<span className="sr-only"> {name} from the group</span>
          </button>
        </span>
      )}
    </li>
  );
}

function AddPeople({
  conversation,
  busy,
  run,
}: {
  conversation: ConversationView;
  busy: boolean;
  run: Run;
}) {
  const [query, setQuery] = useState('');
  const search = useUserSearch(query);
  const isMember = (person: Person) => conversation.members.some((m) => m.id === person.id);
  const full = conversation.members.length >= LIMITS.groupMembersMax;

  const add = async (person: Person) => {
    if (busy || isMember(person)) return;
    const ok = await run(`add ${person.displayName}`, () =>
      window.chat.addMembers({ conversationId: conversation.id, userIds: [person.id] }),
    );
    if (ok) setQuery('');
  };

  return (
    <section className="flex flex-col gap-1">
      <label className="flex flex-col gap-1">
        <span className={SECTION_TITLE}>Add people</span>
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Name or username"
          disabled={full}
          className={TEXT_INPUT}
        />
      </label>
      {full && (
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          A group holds at most {LIMITS.groupMembersMax} members.
        </p>
      )}
      <div className="max-h-48 overflow-y-auto" aria-busy={search.searching}>
        {search.error !== null ? (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {search.error}
          </p>
        ) : query.trim() !== '' && search.results.length === 0 ? (
          <p className="py-2 text-center text-sm text-zinc-600 dark:text-zinc-400">
            {search.searching ? 'Searching…' : `Nobody found for “${query.trim()}”.`}
          </p>
        ) : (
          <ul aria-label="People to add">
            {search.results.map((person) => (
              <PersonOption
                key={person.id}
                person={person}
                onPick={() => void add(person)}
                {...(isMember(person) ? { trailing: 'Member' } : { trailing: 'Add' })}
              />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

function LeaveGroup({
  conversation,
  selfId,
  busy,
  run,
  onLeft,
}: {
  conversation: ConversationView;
  selfId: string;
  busy: boolean;
  run: Run;
  onLeft: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  // After "Cancel" the keyboard goes back to "Leave group" (the question is gone).
  const [refocus, setRefocus] = useState(false);
  const title = conversationTitle(conversation, selfId);
  if (!confirming) {
    return (
      <div className="border-t border-zinc-200 pt-4 dark:border-zinc-800">
        <button
          type="button"
          className={`${SECONDARY_BUTTON} text-red-700! dark:text-red-300!`}
          autoFocus={refocus}
          onClick={() => setConfirming(true)}
        >
          Leave group
        </button>
      </div>
    );
  }
  return (
    <div
      role="group"
      aria-label="Confirm leaving"
      className="flex flex-col gap-3 rounded-lg border border-red-200 bg-red-50 p-3 dark:border-red-900 dark:bg-red-950/50"
    >
      <p className="text-sm">
        Leave “{title}”? Its messages disappear from all your devices and you will not get new ones
        unless someone adds you again.
      </p>
      <div className="flex gap-2">
        <button
          type="button"
          // The one answer the user is asked for: where the keyboard should be.
          autoFocus
          disabled={busy}
          className="inline-flex items-center justify-center rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white hover:bg-red-700 disabled:opacity-50"
          onClick={() =>
            void run('leave the group', () =>
              window.chat.removeMember({ conversationId: conversation.id, userId: selfId }),
            ).then((ok) => {
              if (ok) onLeft();
            })
          }
        >
          Leave
        </button>
        <button
          type="button"
          className={SECONDARY_BUTTON}
          onClick={() => {
            setConfirming(false);
            setRefocus(true);
          }}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
