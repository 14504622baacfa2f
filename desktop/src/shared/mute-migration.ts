/**
 * The per-device mute (a list of conversation ids each shell kept) is replaced by the
 * notification level kept on the server for every device. A device that still has muted
 * conversations hands each one over ONCE: as soon as the core shows the conversation, its
 * level is set to `none` and the id leaves the device's list; when the list is empty there
 * is nothing more to do. A conversation the user is no longer in is dropped too. A failure
 * that may pass (offline) leaves the id for the next time the conversation shows.
 *
 * Environment-neutral: the Electron main process and the web bridge each feed it their
 * core events and give it their settings store.
 */
import type { ChatEvent, NotificationLevel, Result } from './bridge';

export interface MuteMigrationDeps {
  /** The conversation ids this device still lists as muted. */
  muted(): readonly string[];
  /** Drops ids from the device's list (they are migrated, or gone). */
  forget(conversationId: string): void;
  setLevel(conversationId: string, level: NotificationLevel): Promise<Result<unknown>>;
}

export function createMuteMigration(deps: MuteMigrationDeps): {
  onEvent(event: ChatEvent): void;
  /** Resolves once every hand-over started so far has finished (for tests). */
  settled(): Promise<void>;
} {
  const inFlight = new Map<string, Promise<void>>();

  async function migrate(conversationId: string): Promise<void> {
    const result = await deps.setLevel(conversationId, 'none');
    if (result.ok || result.error.code === 'not_found') deps.forget(conversationId);
  }

  return {
    onEvent(event) {
      if (event.type !== 'conversation') return;
      const { id, notifications } = event.conversation;
      if (inFlight.has(id) || !deps.muted().includes(id)) return;
      if (notifications === 'none') {
        deps.forget(id);
        return;
      }
      const running = migrate(id)
        .catch(() => undefined)
        .finally(() => inFlight.delete(id));
      inFlight.set(id, running);
    },
    async settled() {
      await Promise.all([...inFlight.values()]);
    },
  };
}
