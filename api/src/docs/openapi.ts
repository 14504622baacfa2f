import {
  AuthResponse,
  Conversation,
  ConversationListResponse,
  CreateConversationRequest,
  ErrorBody,
  HealthResponse,
  HistoryQuery,
  HistoryResponse,
  LIMITS,
  LoginRequest,
  MarkReadRequest,
  Message,
  Person,
  RefreshRequest,
  RegisterRequest,
  SendMessageRequest,
  TokenPair,
  USERNAME_PATTERN,
  User,
  UserSearchQuery,
  UserSearchResponse,
  type ErrorCode,
} from '@chat/protocol';
import { z } from 'zod';

/**
 * The OpenAPI 3.1 document of the REST API, generated from the protocol's zod schemas so
 * it cannot disagree with what the API validates. `docs.test.ts` checks it lists exactly
 * the routes the routers serve.
 */

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

const REQUESTS = {
  RegisterRequest,
  LoginRequest,
  RefreshRequest,
  CreateConversationRequest,
  SendMessageRequest,
  MarkReadRequest,
};
const RESPONSES = {
  HealthResponse,
  AuthResponse,
  TokenPair,
  User,
  Person,
  UserSearchResponse,
  Message,
  Conversation,
  ConversationListResponse,
  HistoryResponse,
  ErrorBody,
};
type SchemaName = keyof typeof REQUESTS | keyof typeof RESPONSES;

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

function components(schemas: Record<string, z.ZodType>, io: Io): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    // Refinements (a non-blank body, the code-point limit) have no JSON Schema form; the
    // descriptions below say them in words.
    unrepresentable: 'any',
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
    // Responses may grow new fields (the contract allows extension), so a client must not
    // be told that unknown properties are invalid.
    out[id] = io === 'output' ? openObjects(rest) : rest;
  }
  return out;
}

function openObjects(value: unknown): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      if (key === 'additionalProperties' && child === false) continue;
      copy[key] = walk(child);
    }
    return copy;
  };
  return walk(value) as JsonSchema;
}

/** Query parameters from a query schema, each a string on the wire. */
function queryParameters(
  schema: z.ZodType,
  descriptions: Record<string, string>,
): Record<string, unknown>[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    description: descriptions[name],
    schema: property,
  }));
}

const ERROR_TEXT: Record<ErrorCode, string> = {
  invalid_request:
    'Malformed JSON, a missing or wrongly typed field, or a value out of range (`details` lists the fields).',
  unauthorized: 'Missing, malformed, expired or revoked token; or wrong credentials.',
  forbidden: 'Authenticated, but not allowed.',
  not_found:
    'No such resource, whatever the shape of its id, or one the caller may not see (a conversation the caller is not in).',
  conflict: 'The username is taken.',
  payload_too_large: `Request body over ${LIMITS.payloadBytesMax} bytes, or a message body over ${LIMITS.messageBodyMax} characters.`,
  rate_limited: 'Too many requests; wait the seconds `Retry-After` gives.',
  internal: 'A bug on the server; the message says nothing about internals.',
};
const STATUS: Record<ErrorCode, string> = {
  invalid_request: '400',
  unauthorized: '401',
  forbidden: '403',
  not_found: '404',
  conflict: '409',
  payload_too_large: '413',
  rate_limited: '429',
  internal: '500',
};

function errors(...codes: ErrorCode[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const code of [...codes, 'internal' as const]) {
    out[STATUS[code]] =
      code === 'rate_limited'
        ? { $ref: '#/components/responses/rate_limited' }
        : {
            description: `\`${code}\`: ${ERROR_TEXT[code]}`,
            content: { 'application/json': { schema: ref('ErrorBody') } },
          };
  }
  return out;
}

const json = (name: SchemaName, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const body = (name: SchemaName, description?: string) => ({
  required: true,
  ...(description === undefined ? {} : { description }),
  content: { 'application/json': { schema: ref(name) } },
});
const idParameter = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description: `The ${what} id (opaque).`,
  schema: { type: 'string' },
});
const authed = { security: [{ bearer: [] }] };

function paths(): Record<string, Record<string, unknown>> {
  return {
    '/api/health': {
      get: {
        tags: ['health'],
        summary: 'Readiness',
        operationId: 'health',
        security: [],
        responses: { '200': json('HealthResponse', 'The API is ready.'), ...errors() },
      },
    },
    '/api/openapi.json': {
      get: {
        tags: ['health'],
        summary: 'This document',
        operationId: 'openapi',
        security: [],
        responses: {
          '200': {
            description: 'The OpenAPI 3.1 document of the REST API.',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          ...errors(),
        },
      },
    },
    '/api/auth/register': {
      post: {
        tags: ['auth'],
        summary: 'Create an account and start a session',
        operationId: 'register',
        security: [],
        requestBody: body(
          'RegisterRequest',
          `username: ${LIMITS.usernameMin}-${LIMITS.usernameMax} characters of a-z 0-9 _ . - (lower-cased on input); password: ${LIMITS.passwordMin}-${LIMITS.passwordMax} characters; displayName: ${LIMITS.displayNameMin}-${LIMITS.displayNameMax} characters after trimming, defaults to the username.`,
        ),
        responses: {
          '201': json('AuthResponse', 'The new user and the tokens of a new session.'),
          ...errors('invalid_request', 'conflict', 'payload_too_large', 'rate_limited'),
        },
      },
    },
    '/api/auth/login': {
      post: {
        tags: ['auth'],
        summary: 'Start a session',
        description: `After ${LIMITS.loginFailuresMax} failed attempts for one username within ${LIMITS.loginFailureWindowSeconds / 60} minutes, attempts for it get 429 until the window passes.`,
        operationId: 'login',
        security: [],
        requestBody: body('LoginRequest'),
        responses: {
          '200': json('AuthResponse', 'The user and the tokens of a new session.'),
          ...errors('invalid_request', 'unauthorized', 'payload_too_large', 'rate_limited'),
        },
      },
    },
    '/api/auth/refresh': {
      post: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair',
        description:
          'Refresh tokens are single use. Presenting one that was already used revokes its whole session and disconnects its sockets.',
        operationId: 'refresh',
        security: [],
        requestBody: body('RefreshRequest'),
        responses: {
          '200': json('TokenPair', 'A new access token and a new refresh token.'),
          ...errors('invalid_request', 'unauthorized', 'payload_too_large'),
        },
      },
    },
    '/api/auth/logout': {
      post: {
        tags: ['auth'],
        summary: "Revoke the caller's session",
        description:
          'Its tokens stop working and its open sockets are disconnected within one second. Other sessions are untouched.',
        operationId: 'logout',
        ...authed,
        responses: { '204': { description: 'The session is revoked.' }, ...errors('unauthorized') },
      },
    },
    '/api/users/me': {
      get: {
        tags: ['users'],
        summary: 'The caller',
        operationId: 'me',
        ...authed,
        responses: { '200': json('User', 'The caller.'), ...errors('unauthorized') },
      },
    },
    '/api/users': {
      get: {
        tags: ['users'],
        summary: 'Search users by username or display name prefix',
        operationId: 'searchUsers',
        ...authed,
        parameters: queryParameters(UserSearchQuery, {
          q: 'Case-insensitive prefix of the username or display name; empty matches everyone.',
          limit: `1-${LIMITS.userSearchLimitMax}, default ${LIMITS.userSearchLimitDefault}; out of range is 400, not clamped.`,
        }),
        responses: {
          '200': json('UserSearchResponse', 'Matching users, the caller excluded, with presence.'),
          ...errors('invalid_request', 'unauthorized'),
        },
      },
    },
    '/api/users/{id}': {
      get: {
        tags: ['users'],
        summary: 'One user, with live presence',
        operationId: 'getUser',
        ...authed,
        parameters: [idParameter('user')],
        responses: {
          '200': json('Person', 'The user.'),
          ...errors('unauthorized', 'not_found'),
        },
      },
    },
    '/api/conversations': {
      post: {
        tags: ['conversations'],
        summary: 'Open a direct conversation or create a group',
        description: `Direct: the one conversation between the caller and \`userId\` (201 when created, 200 when it already existed, whoever created it); \`userId\` = caller is 400, an unknown user 404. Group: \`title\` ${LIMITS.titleMin}-${LIMITS.titleMax} characters, the caller is always a member, ${LIMITS.groupMembersMin}-${LIMITS.groupMembersMax} members in all after removing repeats, an unknown member id is 404. Every member, the creator included, receives \`conversation:new\` on their sockets, so the creator's other devices learn of it too.`,
        operationId: 'createConversation',
        ...authed,
        requestBody: body('CreateConversationRequest'),
        responses: {
          '201': json('Conversation', 'Created.'),
          '200': json('Conversation', 'The direct conversation already existed.'),
          ...errors('invalid_request', 'unauthorized', 'not_found', 'payload_too_large'),
        },
      },
      get: {
        tags: ['conversations'],
        summary: "The caller's conversations, most recent activity first",
        operationId: 'listConversations',
        ...authed,
        responses: {
          '200': json(
            'ConversationListResponse',
            'Each with its last message, unread count and receipts.',
          ),
          ...errors('unauthorized'),
        },
      },
    },
    '/api/conversations/{id}': {
      get: {
        tags: ['conversations'],
        summary: 'One conversation of the caller',
        operationId: 'getConversation',
        ...authed,
        parameters: [idParameter('conversation')],
        responses: {
          '200': json('Conversation', 'The conversation as the caller sees it.'),
          ...errors('unauthorized', 'not_found'),
        },
      },
    },
    '/api/conversations/{id}/messages': {
      post: {
        tags: ['messages'],
        summary: 'Send a message',
        description: `\`clientId\`: 1-${LIMITS.clientIdMax} characters of A-Z a-z 0-9 _ - chosen by the client; a repeated one returns the message stored the first time (200) and stores nothing. \`body\`: at least one non-whitespace character, at most ${LIMITS.messageBodyMax} Unicode code points (longer is 413). The message is durable before the response; every socket of every member then receives \`message:new\`.`,
        operationId: 'sendMessage',
        ...authed,
        parameters: [idParameter('conversation')],
        requestBody: body('SendMessageRequest'),
        responses: {
          '201': json('Message', 'Stored.'),
          '200': json('Message', 'The clientId was sent before: the message stored then.'),
          ...errors(
            'invalid_request',
            'unauthorized',
            'not_found',
            'payload_too_large',
            'rate_limited',
          ),
        },
      },
      get: {
        tags: ['messages'],
        summary: 'Message history, ascending seq',
        description:
          'Without a cursor: the latest `limit` messages. `before`: the `limit` messages just before that seq. `after`: the `limit` messages just after it (catching up). Both cursors at once is 400.',
        operationId: 'listMessages',
        ...authed,
        parameters: [
          idParameter('conversation'),
          ...queryParameters(HistoryQuery, {
            limit: `1-${LIMITS.historyLimitMax}, default ${LIMITS.historyLimitDefault}; out of range is 400, not clamped.`,
            before: 'Messages with a smaller seq.',
            after: 'Messages with a greater seq.',
          }),
        ],
        responses: {
          '200': json('HistoryResponse', 'Messages in ascending seq.'),
          ...errors('invalid_request', 'unauthorized', 'not_found'),
        },
      },
    },
    '/api/conversations/{id}/read': {
      post: {
        tags: ['messages'],
        summary: "Move the caller's read watermark",
        description:
          'Up to `seq` (a lower value than the current one changes nothing; a value past the newest message counts as the newest). The other members receive `receipt` with `type: "read"` when it moved.',
        operationId: 'markRead',
        ...authed,
        parameters: [idParameter('conversation')],
        requestBody: body('MarkReadRequest'),
        responses: {
          '204': { description: 'Done.' },
          ...errors('invalid_request', 'unauthorized', 'not_found', 'payload_too_large'),
        },
      },
    },
  };
}

function build(): Record<string, unknown> {
  const schemas = { ...components(REQUESTS, 'input'), ...components(RESPONSES, 'output') };
  // The username rules sit behind a lower-casing transform, which JSON Schema cannot show.
  const register = schemas.RegisterRequest as { properties: Record<string, JsonSchema> };
  register.properties.username = {
    type: 'string',
    minLength: LIMITS.usernameMin,
    maxLength: LIMITS.usernameMax,
    pattern: USERNAME_PATTERN.source.replace('a-z', 'a-zA-Z'),
    description: 'Lower-cased on input.',
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Chat API',
      version: '1.0.0',
      description:
        'REST half of the chat API (version 1). Real-time events go over Socket.IO on the same origin (path `/socket.io`); see docs/realtime.md. Every error is `{ "error": { "code", "message", "details"? } }`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'health' },
      { name: 'auth' },
      { name: 'users' },
      { name: 'conversations' },
      { name: 'messages' },
    ],
    paths: paths(),
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `The access token from register, login or refresh; valid at most ${LIMITS.accessTokenMaxSeconds / 60} minutes.`,
        },
      },
      responses: {
        rate_limited: {
          description: `\`rate_limited\`: ${ERROR_TEXT.rate_limited}`,
          headers: {
            'Retry-After': {
              description: 'Whole seconds to wait before trying again.',
              schema: { type: 'integer', minimum: 1 },
            },
          },
          content: { 'application/json': { schema: ref('ErrorBody') } },
        },
      },
    },
  };
}

let cached: Record<string, unknown> | undefined;

/** Built once, on first use; the schemas do not change while the process runs. */
export function openApiDocument(): Record<string, unknown> {
  cached ??= build();
  return cached;
}
