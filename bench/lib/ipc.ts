/** Messages between the orchestrator (bench/run.ts) and a load generator (bench/loadgen.ts). */

/** One socket to open: its handshake token, and for the bare relay the rooms to join. */
export interface SocketSpec {
  token: string;
  rooms?: string[];
}

/** A sender and a receiver in one conversation; both live in the same load generator. */
export interface PairSpec {
  conversationId: string;
  sender: SocketSpec;
  receiver: SocketSpec;
  /** Where the receiver connects when it differs from the sender's server (two instances). */
  receiverUrl?: string;
}

export type Command =
  | { kind: 'pairs'; url: string; pairs: PairSpec[] }
  | { kind: 'saturate'; window: number; warmupMs: number; durationMs: number }
  | { kind: 'rate'; perSecond: number; warmupMs: number; durationMs: number }
  | { kind: 'probe'; timeoutMs: number }
  | { kind: 'idle'; url: string; sockets: SocketSpec[]; concurrency: number; deadlineMs: number }
  | {
      kind: 'logins';
      url: string;
      usernames: string[];
      password: string;
      concurrency: number;
      durationMs: number;
    }
  | {
      kind: 'uploads';
      url: string;
      tokens: string[];
      /** The file uploaded again and again (a photo). */
      file: string;
      concurrency: number;
      durationMs: number;
    }
  | { kind: 'close' };

export interface SaturateResult {
  kind: 'saturate';
  delivered: number;
  seconds: number;
  errors: number;
  /** Everything received, warmup and drain included (for CPU time per message). */
  total: number;
}

export interface RateResult {
  kind: 'rate';
  /** send→receive, milliseconds */
  latencies: number[];
  sent: number;
  lost: number;
  errors: number;
  /** Everything received, warmup included. */
  total: number;
}

export interface IdleResult {
  kind: 'idle';
  connected: number;
  failed: number;
  firstError: string | null;
  seconds: number;
  /** True when the deadline stopped the run before every socket was tried. */
  timedOut: boolean;
}

export interface LoginsResult {
  kind: 'logins';
  ok: number;
  failed: number;
  firstError: string | null;
  seconds: number;
}

export interface UploadsResult {
  kind: 'uploads';
  ok: number;
  /** 429: every image slot taken (the server's bound on concurrent image work). */
  busy: number;
  failed: number;
  /** Bytes sent in the uploads that succeeded. */
  bytes: number;
  firstError: string | null;
  seconds: number;
}

export type Reply =
  | { kind: 'ready' }
  | { kind: 'pairs'; connected: number }
  | { kind: 'probe'; delivered: boolean }
  | SaturateResult
  | RateResult
  | IdleResult
  | LoginsResult
  | UploadsResult
  | { kind: 'closed' }
  | { kind: 'error'; message: string };
