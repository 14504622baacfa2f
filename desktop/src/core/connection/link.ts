import type { Emit } from './acks';
import type { ChatSocket } from './socket';

/** What the connection's parts share: the live socket, and whether the connection runs. */
export interface Link {
  /** Started and not stopped (it may be between reconnects). */
  running(): boolean;
  connected(): boolean;
  socket(): ChatSocket | null;
  /** Emits and waits for the server's acknowledgement (see `acks.ts`). */
  emit: Emit;
}
