/**
 * REST client for every PROTOCOL endpoint, through the protocol's route table: each
 * call names a route, and its method, path, input and answer types come from the table.
 * Answers are parsed with the table's schemas, so a server that answers off-contract is
 * an error (`bad_response`), never a value of the wrong shape flowing into the UI.
 */
import {
  ERROR_STATUS,
  ErrorBody,
  LIMITS,
  ROUTES,
  fillPath,
  type Conversation,
  type CreateConversationRequest,
  type ErrorCode,
  type LoginRequest,
  type NotificationLevel,
  type PushSubscriptionRequest,
  type PushUnsubscribeRequest,
  type RegisterRequest,
  type RouteAnswer,
  type RouteCall,
  type RouteName,
  type RouteSpec,
  UploadResponse,
  type Attachment,
} from '@chat/protocol';
import { ClientError, clientError } from './errors';

/** A bound on paging, should a server keep answering with a cursor (200 × 500 conversations). */
const MAX_CONVERSATION_PAGES = 500;

/** The part of `fetch` the core uses; both Node's and the browser's satisfy it. */
export type FetchLike = (
  input: string,
  init?: {
    method?: string;
    headers?: Record<string, string>;
    /** FormData: uploads (multipart); every other call sends JSON text. */
    body?: string | FormData;
    signal?: { readonly aborted: boolean };
  },
) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** Downloads; both fetches have it, test fakes of JSON calls need not. */
  arrayBuffer?(): Promise<ArrayBuffer>;
}>;

/** A file to upload: its name and bytes (the server decides its type from the bytes). */
export interface UploadInput {
  name: string;
  bytes: Uint8Array;
}

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

/**
 * A page of the conversation list as the rest of the client holds conversations: each
 * member as their user. The `members=ids` form gives each member's user once in `users`;
 * an id without a user there is an answer off the contract (`bad_response`), not a member
 * to drop quietly.
 */
export function conversationsOfPage(page: RouteAnswer<'listConversations'>): Conversation[] {
  if (!('users' in page)) return page.conversations;
  const users = new Map(page.users.map((user) => [user.id, user]));
  return page.conversations.map((conversation) => ({
    ...conversation,
    members: conversation.members.map((id) => {
      const user = users.get(id);
      if (user === undefined) {
        throw clientError('bad_response', 'The server listed a member without their user.');
      }
      return user;
    }),
  }));
}

/** For an error answer without the contract's body: the code its status stands for. */
const STATUS_CODES: ReadonlyMap<number, ErrorCode> = new Map(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

/** One HTTP exchange: timeouts, network errors and the contract's error bodies. */
export class HttpTransport {
  constructor(
    private readonly fetchFn: FetchLike,
    private readonly timeoutMs = 15_000,
    private readonly sendUpload?: UploadSender,
  ) {}

  /** Calls route `name` of the table; `token` is sent as the Bearer when given. */
  async call<N extends RouteName>(
    serverUrl: string,
    name: N,
    input: RouteCall<N>,
    token?: string,
  ): Promise<RouteAnswer<N>> {
    const route: RouteSpec = ROUTES[name];
    const { params, query, body } = input as {
      params?: Record<string, string | number>;
      query?: Record<string, string | number | undefined>;
      body?: unknown;
    };
    const url = new URL(fillPath(route.path, params ?? {}), serverUrl);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      const response = await this.fetchFn(url.toString(), {
        method: route.method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
    const reply = route.responses[status as keyof RouteSpec['responses']];
    if (reply === undefined) {
      throw clientError(
        'bad_response',
        `The server answered ${status}, which this request never gets.`,
        status,
      );
    }
    if (reply.kind === 'empty') return undefined as RouteAnswer<N>;
    return this.parseReply(reply, json, status) as RouteAnswer<N>;
  }

  /**
   * `POST /api/uploads`: the file as the one `file` part. Uploads take as long as the
   * link needs, so no timeout here beyond the connection's own.
   */
  async upload(
    serverUrl: string,
    file: UploadInput,
    token: string,
    options: UploadOptions = {},
  ): Promise<Attachment> {
    const form = new FormData();
    form.append('file', new Blob([file.bytes]), file.name);
    const url = new URL(ROUTES.uploadFile.path, serverUrl).toString();
    const headers = { accept: 'application/json', authorization: `Bearer ${token}` };
    const { cancel, onProgress } = options;
    if (cancel?.cancelled === true) throw cancelled();
    let status: number;
    let retryAfter: string | null;
    let text: string;
    if (this.sendUpload) {
      // The environment's own sender (the web's XHR) reports progress and can abort.
      ({ status, retryAfter, text } = await this.sendUpload({
        url,
        headers,
        form,
        cancel,
        onProgress,
      }));
    } else {
      const sending = this.fetchFn(url, { method: ROUTES.uploadFile.method, headers, body: form });
      try {
        // fetch here cannot be stopped mid-body: a cancelled upload is let go (an upload
        // nobody attaches is swept after 24 h) and the caller hears at once.
        const response = await (cancel ? Promise.race([sending, cancel.whenCancelled]) : sending);
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (err) {
        // (Read again: it may have changed while the request ran.)
        if (isCancelled(cancel)) throw cancelled();
        if (err instanceof ClientError) throw err;
        throw clientError('network', 'The server could not be reached.');
      }
      // fetch cannot tell how far a body got: all of it, once the server answered.
      onProgress?.(file.bytes.byteLength, file.bytes.byteLength);
    }
    const json = parseJson(text);
    if (status >= 400) throw errorFromResponse(status, json, retryAfter);
    const parsed = UploadResponse.safeParse(json);
    if (status !== 201 || !parsed.success) {
      throw clientError('bad_response', 'The server answered in an unexpected format.', status);
    }
    return parsed.data;
  }

  /** The bytes of an attachment (or its thumbnail), fetched with the token. */
  async attachmentBytes(
    serverUrl: string,
    attachmentId: string,
    thumbnail: boolean,
    token: string,
  ): Promise<{ contentType: string; bytes: Uint8Array }> {
    const route = thumbnail ? ROUTES.attachmentThumbnail : ROUTES.downloadAttachment;
    return this.bytes(new URL(fillPath(route.path, { id: attachmentId }), serverUrl), token);
  }

  /** A user's or a group's avatar (its thumbnail), fetched with the token. */
  async avatarBytes(
    serverUrl: string,
    owner: { kind: 'user' | 'conversation'; id: string; avatarId: string },
    token: string,
  ): Promise<{ contentType: string; bytes: Uint8Array }> {
    const route = owner.kind === 'user' ? ROUTES.userAvatar : ROUTES.conversationAvatar;
    const url = new URL(fillPath(route.path, { id: owner.id }), serverUrl);
    // A new avatar is a new URL (the server ignores `v`), so no cache serves an old one.
    url.searchParams.set('v', owner.avatarId);
    return this.bytes(url, token);
  }

  private async bytes(
    url: URL,
    token: string,
  ): Promise<{ contentType: string; bytes: Uint8Array }> {
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await this.fetchFn(url.toString(), {
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
      });
    } catch {
      throw clientError('network', 'The server could not be reached.');
    }
    if (response.status >= 400) {
      throw errorFromResponse(
        response.status,
        parseJson(await response.text()),
        response.headers.get('retry-after'),
      );
    }
    if (response.status !== 200 || !response.arrayBuffer) {
      throw clientError('bad_response', 'The server answered in an unexpected format.');
    }
    return {
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      bytes: new Uint8Array(await response.arrayBuffer()),
    };
  }

  private parseReply(
    reply: RouteSpec['responses'][keyof RouteSpec['responses']],
    json: unknown,
    status: number,
  ): unknown {
    if (reply === undefined || reply.kind === 'empty') return undefined;
    if (reply.kind === 'binary') {
      // Byte answers need a transport that reads bytes; none of the calls below is one.
      throw clientError('internal', 'This transport reads JSON answers only.', status);
    }
    const parsed = reply.schema.safeParse(json);
    if (!parsed.success) {
      throw clientError('bad_response', 'The server answered in an unexpected format.', status);
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFromResponse(status: number, json: unknown, retryAfter: string | null): ClientError {
  const body = ErrorBody.safeParse(json);
  const code: ErrorCode = body.success
    ? body.data.error.code
    : (STATUS_CODES.get(status) ?? 'internal');
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
    return this.http.call(serverUrl, 'health', {});
  }

  register(serverUrl: string, body: RegisterRequest) {
    return this.http.call(serverUrl, 'register', { body });
  }

  login(serverUrl: string, body: LoginRequest) {
    return this.http.call(serverUrl, 'login', { body });
  }

  refresh(serverUrl: string, refreshToken: string) {
    return this.http.call(serverUrl, 'refresh', { body: { refreshToken } });
  }

  /** Logout with an explicit token: the session may already be gone locally. */
  logout(serverUrl: string, accessToken: string) {
    return this.http.call(serverUrl, 'logout', {}, accessToken);
  }

  // ---- authenticated -------------------------------------------------------

  me() {
    return this.authed('me', {});
  }

  updateMe(body: { displayName?: string }) {
    return this.authed('updateMe', { body });
  }

  /** A wrong current password is a 401 here, not the end of the session. */
  changePassword(body: { currentPassword: string; newPassword: string }) {
    return this.authed('changePassword', { body });
  }

  async listSessions() {
    const res = await this.authed('listSessions', {});
    return res.sessions;
  }

  revokeSession(sessionId: string) {
    return this.authed('revokeSession', { params: { id: sessionId } });
  }

  deleteAccount(password: string) {
    return this.authed('deleteMe', { body: { password } });
  }

  async listBlocked() {
    const res = await this.authed('listBlocked', {});
    return res.users;
  }

  setBlocked(userId: string, blocked: boolean) {
    return this.authed(blocked ? 'blockUser' : 'unblockUser', { params: { id: userId } });
  }

  async pushKey() {
    return (await this.authed('pushKey', {})).publicKey;
  }

  async subscribePush(body: PushSubscriptionRequest) {
    await this.authed('subscribePush', { body });
  }

  async unsubscribePush(body: PushUnsubscribeRequest) {
    await this.authed('unsubscribePush', { body });
  }

  pushPreferences() {
    return this.authed('getPushPreferences', {});
  }

  setPushPreferences(body: { showText: boolean }) {
    return this.authed('setPushPreferences', { body });
  }

  async searchUsers(q: string, limit?: number) {
    const res = await this.authed('searchUsers', { query: { q, limit } });
    return res.users;
  }

  getUser(userId: string) {
    return this.authed('getUser', { params: { id: userId } });
  }

  createConversation(body: CreateConversationRequest) {
    return this.authed('createConversation', { body });
  }

  /**
   * Every conversation of the caller, most recent activity first: the list is paged, so
   * this follows `nextCursor` to the end. A conversation that moves to the front while the
   * pages are read may be missed here; its next event reaches the socket, and a message of
   * a conversation the client does not know starts a catch-up.
   */
  async listConversations() {
    const all = new Map<string, Conversation>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_CONVERSATION_PAGES; page++) {
      // Members as ids, each user once per page (an extension; a server without it
      // answers with users, which `conversationsOfPage` takes as well).
      const res = await this.authed('listConversations', {
        query: { limit: LIMITS.conversationListLimitMax, cursor, members: 'ids' },
      });
      for (const conversation of conversationsOfPage(res)) {
        if (!all.has(conversation.id)) all.set(conversation.id, conversation);
      }
      if (res.nextCursor === null || res.conversations.length === 0) break;
      cursor = res.nextCursor;
    }
    return [...all.values()];
  }

  getConversation(conversationId: string) {
    return this.authed('getConversation', { params: { id: conversationId } });
  }

  sendMessage(conversationId: string, clientId: string, body: string) {
    return this.authed('sendMessage', { params: { id: conversationId }, body: { clientId, body } });
  }

  async history(
    conversationId: string,
    cursor: {
      limit?: number;
      before?: number;
      after?: number;
      around?: number;
      changedAfter?: number;
    },
  ) {
    const res = await this.authed('listMessages', {
      params: { id: conversationId },
      query: cursor,
    });
    return res.messages;
  }

  searchMessages(query: {
    q: string;
    conversationId?: string | undefined;
    limit?: number | undefined;
    before?: string | undefined;
  }) {
    return this.authed('searchMessages', { query });
  }

  markRead(conversationId: string, seq: number) {
    return this.authed('markRead', { params: { id: conversationId }, body: { seq } });
  }

  // ---- message lifecycle (version 2) ----

  editMessage(conversationId: string, seq: number, body: string) {
    return this.authed('editMessage', {
      params: { id: conversationId, seq: String(seq) },
      body: { body },
    });
  }

  deleteMessage(conversationId: string, seq: number) {
    return this.authed('deleteMessage', { params: { id: conversationId, seq: String(seq) } });
  }

  react(conversationId: string, seq: number, emoji: string, on: boolean) {
    return this.authed(on ? 'addReaction' : 'removeReaction', {
      params: { id: conversationId, seq: String(seq), emoji },
    });
  }

  // ---- groups and notification levels (version 2) ----

  renameGroup(conversationId: string, title: string) {
    return this.authed('updateConversation', { params: { id: conversationId }, body: { title } });
  }

  addMembers(conversationId: string, userIds: string[]) {
    return this.authed('addMembers', { params: { id: conversationId }, body: { userIds } });
  }

  /** Removes a member (admins), or leaves when `userId` is the caller's. */
  removeMember(conversationId: string, userId: string) {
    return this.authed('removeMember', { params: { id: conversationId, userId } });
  }

  setMemberAdmin(conversationId: string, userId: string, admin: boolean) {
    return this.authed('setMemberAdmin', {
      params: { id: conversationId, userId },
      body: { admin },
    });
  }

  setNotifications(conversationId: string, level: NotificationLevel) {
    return this.authed('setNotifications', { params: { id: conversationId }, body: { level } });
  }

  /** An authenticated call; a 401 triggers one shared refresh and one retry. */
  /** Uploads a file for the signed-in user (see HttpTransport.upload). */
  /** `PATCH /api/users/me`: the caller's avatar (null removes it). */
  setMyAvatar(avatarId: string | null) {
    return this.authed('updateMe', { body: { avatarId } });
  }

  /** `PATCH /api/conversations/:id`: a group's avatar (admins; null removes it). */
  setGroupAvatar(conversationId: string, avatarId: string | null) {
    return this.authed('updateConversation', {
      params: { id: conversationId },
      body: { avatarId },
    });
  }

  avatarBytes(owner: { kind: 'user' | 'conversation'; id: string; avatarId: string }) {
    return this.withToken((serverUrl, token) => this.http.avatarBytes(serverUrl, owner, token));
  }

  uploadFile(file: UploadInput, options: UploadOptions = {}) {
    return this.withToken((serverUrl, token) => this.http.upload(serverUrl, file, token, options));
  }

  attachmentBytes(attachmentId: string, thumbnail: boolean) {
    return this.withToken((serverUrl, token) =>
      this.http.attachmentBytes(serverUrl, attachmentId, thumbnail, token),
    );
  }

  /** Runs `exchange` with the access token, once more with a refreshed one after a 401. */
  private async withToken<T>(exchange: (serverUrl: string, token: string) => Promise<T>) {
    const serverUrl = this.tokens.serverUrl();
    const token = await this.tokens.accessToken();
    const epoch = this.tokens.tokenEpoch();
    try {
      return await exchange(serverUrl, token);
    } catch (err) {
      if (!(err instanceof ClientError) || err.status !== 401) throw err;
    }
    return exchange(serverUrl, await this.tokens.refreshAfterRejection(token, epoch));
  }

  private async authed<N extends RouteName>(name: N, input: RouteCall<N>): Promise<RouteAnswer<N>> {
    const serverUrl = this.tokens.serverUrl();
    const token = await this.tokens.accessToken();
    const epoch = this.tokens.tokenEpoch();
    try {
      return await this.http.call(serverUrl, name, input, token);
    } catch (err) {
      if (!(err instanceof ClientError) || err.status !== 401) throw err;
    }
    const fresh = await this.tokens.refreshAfterRejection(token, epoch);
    return this.http.call(serverUrl, name, input, fresh);
  }
}

/** A way to stop an upload: `cancel()` rejects `whenCancelled` and sets `cancelled`. */
export class UploadCancel {
  cancelled = false;
  private rejectNow: ((error: ClientError) => void) | null = null;
  private readonly listeners = new Set<() => void>();
  /** Never resolves; rejects with `cancelled` when the upload is cancelled. */
  readonly whenCancelled: Promise<never> = new Promise<never>((_resolve, reject) => {
    this.rejectNow = reject;
  });

  constructor() {
    // Nobody may be awaiting it yet: no unhandled rejection for that.
    this.whenCancelled.catch(() => undefined);
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.rejectNow?.(cancelled());
    for (const listener of this.listeners) listener();
  }

  onCancel(listener: () => void): void {
    this.listeners.add(listener);
  }
}

/** Following an upload: how far it got, and a way to stop it. */
export interface UploadOptions {
  cancel?: UploadCancel | undefined;
  /** Bytes of the request body sent so far, of `total`. */
  onProgress?: ((sent: number, total: number) => void) | undefined;
}

/**
 * Sends an upload's request with progress (the web: XMLHttpRequest, the one browser API
 * that reports how much of a body went out). Rejects with a `cancelled` ClientError when
 * cancelled, `network` when the connection failed.
 */
export type UploadSender = (request: {
  url: string;
  headers: Record<string, string>;
  form: FormData;
  cancel: UploadCancel | undefined;
  onProgress: ((sent: number, total: number) => void) | undefined;
}) => Promise<{ status: number; retryAfter: string | null; text: string }>;

const isCancelled = (cancel: UploadCancel | undefined) => cancel?.cancelled === true;

export function cancelled(): ClientError {
  return clientError('cancelled', 'The upload was cancelled.');
}
