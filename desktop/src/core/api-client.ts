/**
 * REST client for every PROTOCOL endpoint. Responses are parsed with the contract's
 * schemas, so a server that answers off-contract is an error (`bad_response`), never
 * a value of the wrong shape flowing into the UI.
 */
import type { z } from 'zod';
import {
  AuthResponse,
  Conversation,
  ConversationListResponse,
  ErrorBody,
  HealthResponse,
  HistoryResponse,
  Message,
  Person,
  TokenPair,
  User,
  UserSearchResponse,
} from '@chat/protocol';
import type {
  CreateConversationRequest,
  ErrorCode,
  LoginRequest,
  RegisterRequest,
} from '@chat/protocol';
import { ClientError, clientError } from './errors';

/** The part of `fetch` the core uses; both Node's and the browser's satisfy it. */
export type FetchLike = (
  input: string,
  init?: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    signal?: { readonly aborted: boolean };
  },
) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** `https://host:port` from whatever the user typed; refuses anything but http(s). */
export function normalizeServerUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw clientError('invalid_request', 'The server address is not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw clientError('invalid_request', 'The server address must start with http:// or https://.');
  }
  return url.origin;
}

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  429: 'rate_limited',
};

interface CallOptions<T> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  token?: string;
  /** `null`: the endpoint answers 204 with no body. */
  schema: z.ZodType<T> | null;
}

/** One HTTP exchange: timeouts, network errors and the contract's error bodies. */
export class HttpTransport {
  constructor(
    private readonly fetchFn: FetchLike,
    private readonly timeoutMs = 15_000,
  ) {}

  async call<T>(serverUrl: string, options: CallOptions<T>): Promise<T> {
    const url = new URL(options.path, serverUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      const response = await this.fetchFn(url.toString(), {
        method: options.method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: controller.signal,
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch {
      if (controller.signal.aborted) {
        throw clientError('timeout', 'The server did not answer in time.');
      }
      throw clientError('network', 'The server could not be reached.');
    } finally {
      clearTimeout(timer);
    }

    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }

    if (status >= 400) throw errorFromResponse(status, json, retryAfter);
    if (options.schema === null) return null as T;
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) {
      throw clientError('bad_response', 'The server answered in an unexpected format.', status);
    }
    return parsed.data;
  }
}

function errorFromResponse(status: number, json: unknown, retryAfter: string | null): ClientError {
  const body = ErrorBody.safeParse(json);
  const code: ErrorCode = body.success
    ? body.data.error.code
    : (STATUS_CODES[status] ?? 'internal');
  const message = body.success ? body.data.error.message : `The server answered ${status}.`;
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  return new ClientError(
    {
      code,
      message,
      ...(body.success && body.data.error.details ? { details: body.data.error.details } : {}),
      ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterSeconds: seconds } : {}),
    },
    status,
  );
}

/** What the API client needs from the session: the server and a fresh access token. */
export interface TokenSource {
  /** The signed-in server, or throws `not_signed_in`. */
  serverUrl(): string;
  /** A usable access token (refreshed first if there is none), or throws. */
  accessToken(): Promise<string>;
  /**
   * The server refused `rejected`: refresh once (shared by concurrent callers) and
   * return the new token. A refused refresh ends the session and throws.
   */
  refreshAfterRejection(rejected: string, seenEpoch: number): Promise<string>;
  /** Changes with every refresh, so a caller can tell whether its token was replaced. */
  tokenEpoch(): number;
}

export class ApiClient {
  constructor(
    private readonly http: HttpTransport,
    private readonly tokens: TokenSource,
  ) {}

  // ---- unauthenticated -----------------------------------------------------

  health(serverUrl: string) {
    return this.http.call(serverUrl, {
      method: 'GET',
      path: '/api/health',
      schema: HealthResponse,
    });
  }

  register(serverUrl: string, body: RegisterRequest) {
    return this.http.call(serverUrl, {
      method: 'POST',
      path: '/api/auth/register',
      body,
      schema: AuthResponse,
    });
  }

  login(serverUrl: string, body: LoginRequest) {
    return this.http.call(serverUrl, {
      method: 'POST',
      path: '/api/auth/login',
      body,
      schema: AuthResponse,
    });
  }

  refresh(serverUrl: string, refreshToken: string) {
    return this.http.call(serverUrl, {
      method: 'POST',
      path: '/api/auth/refresh',
      body: { refreshToken },
      schema: TokenPair,
    });
  }

  /** Logout with an explicit token: the session may already be gone locally. */
  logout(serverUrl: string, accessToken: string) {
    return this.http.call(serverUrl, {
      method: 'POST',
      path: '/api/auth/logout',
      token: accessToken,
      schema: null,
    });
  }

  // ---- authenticated -------------------------------------------------------

  me() {
    return this.authed({ method: 'GET', path: '/api/users/me', schema: User });
  }

  async searchUsers(q: string, limit?: number) {
    const res = await this.authed({
      method: 'GET',
      path: '/api/users',
      query: { q, limit },
      schema: UserSearchResponse,
    });
    return res.users;
  }

  getUser(userId: string) {
    return this.authed({
      method: 'GET',
      path: `/api/users/${encodeURIComponent(userId)}`,
      schema: Person,
    });
  }

  createConversation(body: CreateConversationRequest) {
    return this.authed({ method: 'POST', path: '/api/conversations', body, schema: Conversation });
  }

  async listConversations() {
    const res = await this.authed({
      method: 'GET',
      path: '/api/conversations',
      schema: ConversationListResponse,
    });
    return res.conversations;
  }

  getConversation(conversationId: string) {
    return this.authed({
      method: 'GET',
      path: `/api/conversations/${encodeURIComponent(conversationId)}`,
      schema: Conversation,
    });
  }

  sendMessage(conversationId: string, clientId: string, body: string) {
    return this.authed({
      method: 'POST',
      path: `/api/conversations/${encodeURIComponent(conversationId)}/messages`,
      body: { clientId, body },
      schema: Message,
    });
  }

  async history(
    conversationId: string,
    cursor: { limit?: number; before?: number; after?: number },
  ) {
    const res = await this.authed({
      method: 'GET',
      path: `/api/conversations/${encodeURIComponent(conversationId)}/messages`,
      query: cursor,
      schema: HistoryResponse,
    });
    return res.messages;
  }

  markRead(conversationId: string, seq: number) {
    return this.authed({
      method: 'POST',
      path: `/api/conversations/${encodeURIComponent(conversationId)}/read`,
      body: { seq },
      schema: null,
    });
  }

  /** An authenticated call; a 401 triggers one shared refresh and one retry. */
  private async authed<T>(options: CallOptions<T>): Promise<T> {
    const serverUrl = this.tokens.serverUrl();
    const token = await this.tokens.accessToken();
    const epoch = this.tokens.tokenEpoch();
    try {
      return await this.http.call(serverUrl, { ...options, token });
    } catch (err) {
      if (!(err instanceof ClientError) || err.status !== 401) throw err;
    }
    const fresh = await this.tokens.refreshAfterRejection(token, epoch);
    return this.http.call(serverUrl, { ...options, token: fresh });
  }
}
