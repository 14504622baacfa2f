/**
 * A group change (a `system` message) as one line of the history: "Alice added Bob",
 * "Alice renamed the group to “Trip”", "Bob left", "Alice made Bob an admin". Names come
 * from what the renderer knows of the people (members, and those met earlier this session),
 * the user is "You"/"you", and each name is isolated so a right-to-left name cannot
 * reorder the sentence.
 */
import type { LocalMessage, SystemEvent } from '../../shared/bridge';
import { isolated } from '../ui/names';

function joined(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? 'someone';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/**
 * `madeAdmin`: for `admin_changed`, whether the role was given (true) or taken (false); the
 * event does not say, the caller works it out (see `adminDirections`).
 */
export function systemText(
  system: SystemEvent,
  nameOf: (userId: string) => string,
  selfId: string,
  madeAdmin = true,
): string {
  const subject = (id: string) => (id === selfId ? 'You' : isolated(nameOf(id)));
  const object = (id: string) => (id === selfId ? 'you' : isolated(nameOf(id)));
  const actor = subject(system.actorId);
  const them = joined(system.userIds.map(object));
  switch (system.event) {
    case 'member_added':
      return `${actor} added ${them}`;
    case 'member_removed':
      return `${actor} removed ${them}`;
    case 'member_left':
      return `${joined((system.userIds.length > 0 ? system.userIds : [system.actorId]).map(subject))} left`;
    case 'title_changed':
      return `${actor} renamed the group to “${isolated(system.title ?? '')}”`;
    case 'admin_changed':
      return madeAdmin ? `${actor} made ${them} an admin` : `${actor} removed ${them} as admin`;
  }
}

/**
 * Whether each `admin_changed` message gave the role or took it, by key. The event does
 * not say; walking back from the newest, the latest change of a member left them as they
 * are now (`admins`), and each earlier one did the opposite of the one after it. The held
 * messages are contiguous up to the newest, so no later change is missing.
 */
export function adminDirections(
  messages: readonly LocalMessage[],
  admins: readonly string[],
): Map<string, boolean> {
  const isAdmin = new Map<string, boolean>();
  const directions = new Map<string, boolean>();
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.system?.event !== 'admin_changed') continue;
    const userId = m.system.userIds[0];
    if (userId === undefined) continue;
    const after = isAdmin.get(userId) ?? admins.includes(userId);
    directions.set(m.key, after);
    isAdmin.set(userId, !after);
  }
  return directions;
}
