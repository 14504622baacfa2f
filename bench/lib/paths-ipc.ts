/**
 * Messages between bench/paths.ts and its load generators (bench/paths-loadgen.ts): the
 * parts that need more than sender→receiver pairs (a big group, edits and reactions, sends
 * into many conversations).
 */

/** A socket of one user; `send` lists the conversations this socket sends into. */
export interface MemberSpec {
  token: string;
  /** Where this socket connects. */
  url: string;
}

/** One message a sender keeps changing (edits and reactions), and the member watching it. */
export interface TargetSpec {
  conversationId: string;
  sender: MemberSpec;
  receiver: MemberSpec;
}

/** A sender socket and the conversations it sends into, in turn. */
export interface FanSenderSpec {
  sender: MemberSpec;
  conversationIds: string[];
}

export type PathsCommand =
  /** Connects sockets that only receive `message:new` in the group. */
  | { kind: 'members'; members: MemberSpec[] }
  /** Connects the group's senders (they receive too: they are members). */
  | { kind: 'group-senders'; conversationId: string; senders: MemberSpec[] }
  /**
   * Sends `perSecond` messages into the group, spread over this generator's senders, for
   * warmup + duration; every member socket in every generator records arrival times.
   */
  | { kind: 'group-send'; perSecond: number; warmupMs: number; durationMs: number }
  /** Collects what the member sockets recorded since the last collect, and clears it. */
  | { kind: 'group-collect' }
  /** Connects each target's pair and sends the message the sender will change. */
  | { kind: 'targets'; targets: TargetSpec[] }
  /** Open loop: `perSecond` edits (or reaction toggles) of the targets' messages. */
  | {
      kind: 'changes';
      change: 'edit' | 'reaction';
      perSecond: number;
      warmupMs: number;
      durationMs: number;
    }
  /** Connects senders that send into many conversations (the push part). */
  | { kind: 'fan-senders'; senders: FanSenderSpec[] }
  /** Open loop: `perSecond` messages, each sender's conversations in turn. */
  | { kind: 'fan-send'; perSecond: number; durationMs: number }
  | { kind: 'close' };

/** Arrival of group messages at this generator's member sockets. */
export interface GroupCollected {
  kind: 'group-collected';
  /** clientId → [frames received here, latest arrival latency here (ms)]. */
  arrivals: Record<string, [number, number]>;
  /** Every frame's send→receive latency (ms), all messages. */
  frames: number[];
  /** Frames received in all (warmup included), for CPU per frame. */
  total: number;
  sockets: number;
}

export interface GroupSent {
  kind: 'group-sent';
  /** clientIds sent after the warmup (the measured ones). */
  measured: string[];
  sent: number;
  errors: number;
}

export interface ChangesResult {
  kind: 'changes';
  /** send→`message:updated` at the other member, ms, after the warmup. */
  latencies: number[];
  sent: number;
  /** `message:updated` received (warmup included), for CPU per change. */
  total: number;
  lost: number;
  errors: number;
  firstError: string | null;
}

export interface FanSent {
  kind: 'fan-sent';
  sent: number;
  errors: number;
  firstError: string | null;
  /** `${conversationId}:${seq}` → epoch ms when it was sent, for push latency. */
  sentAt: Record<string, number>;
}

export type PathsReply =
  | { kind: 'ready' }
  | { kind: 'connected'; sockets: number }
  | GroupCollected
  | GroupSent
  | ChangesResult
  | FanSent
  | { kind: 'closed' }
  | { kind: 'error'; message: string };
