// The few globals the client core may use. Each exists, with a compatible shape, in
// Node 20, Chromium and Electron; declaring them here (instead of pulling in the DOM or
// Node type libraries) makes any other environment-specific global a type error.
// Only the members the core uses are declared.

interface CoreHeaders {
  get(name: string): string | null;
}

interface CoreResponse {
  readonly status: number;
  readonly headers: CoreHeaders;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Uploads: a multipart body of one file part. */
declare class Blob {
  constructor(parts: readonly Uint8Array[], options?: { type?: string });
  readonly size: number;
}
declare class FormData {
  append(name: string, value: Blob, fileName?: string): void;
}

interface CoreRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | FormData;
  signal?: CoreAbortSignal;
}

interface CoreAbortSignal {
  readonly aborted: boolean;
}

declare function fetch(input: string, init?: CoreRequestInit): Promise<CoreResponse>;

declare class AbortController {
  readonly signal: CoreAbortSignal;
  abort(reason?: unknown): void;
}

/** Opaque: a number in browsers, an object in Node. */
type CoreTimerHandle = { readonly __timer: unique symbol } | number;
declare function setTimeout(handler: () => void, ms?: number): CoreTimerHandle;
declare function clearTimeout(handle: CoreTimerHandle | undefined): void;

declare const crypto: { randomUUID(): string };

declare class URL {
  constructor(url: string, base?: string);
  readonly protocol: string;
  readonly origin: string;
  readonly href: string;
  readonly hostname: string;
  readonly username: string;
  readonly password: string;
  pathname: string;
  search: string;
  readonly searchParams: { set(name: string, value: string): void };
  toString(): string;
}

/** Base64 → binary string; used to read (never verify) a JWT's `exp`. */
declare function atob(data: string): string;

declare const console: {
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
};
