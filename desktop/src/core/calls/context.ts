import { ok, type ChatEvent, type Result } from '../../shared/bridge';
import type { ApiClient } from '../api-client';
import type { Clock } from '../clock';
import type { Connection } from '../connection/connection';
import { clientError, toBridgeError } from '../errors';
import type { Outbox } from '../outbox';
import type { Session } from '../session';
import type { ChatState } from '../state';

/** What the core's calls work with; built once by `createChatClient`. */
export interface CoreContext {
  state: ChatState;
  session: Session;
  api: ApiClient;
  outbox: Outbox;
  connection: Connection;
  clock: Clock;
  /** Shows the account's unsent messages in the conversations now held. */
  showUnsent(): void;
  /** Tells the renderer something that is not state (upload progress). */
  emit: (event: ChatEvent) => void;
}

/**
 * Runs a call (its argument validated at the bridge) and turns any failure into a
 * `Result`: the core's calls never throw.
 */
export async function attempt<A, T>(args: A, run: (args: A) => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await run(args));
  } catch (err) {
    return { ok: false, error: toBridgeError(err) };
  }
}

export function requireSession(session: Session): void {
  if (session.info() === null) throw clientError('not_signed_in', 'Not signed in.');
}

/** Offline (no answer, or none in time): what the client holds is the best answer. */
export function isOffline(err: unknown): boolean {
  const { code } = toBridgeError(err);
  return code === 'network' || code === 'timeout';
}
