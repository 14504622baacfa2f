import * as contract from '@chat/protocol';
import {
  ErrorBody,
  LIMITS,
  ROUTES,
  USERNAME_PATTERN,
  openApiPath,
  type ErrorCode,
  type ReplySpec,
  type RouteSpec,
} from '@chat/protocol';
import { z } from 'zod';

/**
 * The OpenAPI 3.1 document of the REST API, generated from the protocol's route table and
 * zod schemas, so it cannot disagree with what the API serves and validates.
 * `openapi.test.ts` checks it lists exactly the routes the router serves.
 */

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

/**
 * Each schema the protocol exports by name, by identity: a route's body or answer that is
 * one of them becomes a named component (`#/components/schemas/<export name>`); any other
 * schema is written inline.
 */
const EXPORTED_NAMES: ReadonlyMap<unknown, string> = new Map(
  Object.entries(contract)
    .filter(([, value]) => value instanceof z.ZodType)
    .map(([name, value]) => [value, name]),
);

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function components(schemas: Record<string, z.ZodType>, io: Io): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    // Refinements (a non-blank body, the code-point limit) have no JSON Schema form; the
    // descriptions say them in words.
    unrepresentable: 'any',
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
    out[id] = io === 'output' ? openObjects(rest) : rest;
  }
  return out;
}

/**
 * Responses may grow new fields (the contract allows extension), so a client must not be
 * told that unknown properties are invalid.
 */
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

function inline(schema: z.ZodType, io: Io): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return io === 'output' ? openObjects(rest) : rest;
}

/** A named component's `$ref`, or the schema inline when the protocol does not name it. */
function schemaOf(schema: z.ZodType, io: Io): JsonSchema {
  const name = EXPORTED_NAMES.get(schema);
  return name === undefined ? inline(schema, io) : ref(name);
}

/** Parameters (`in: path` or `in: query`) from an object schema, each a string on the wire. */
function parameters(
  where: 'path' | 'query',
  schema: z.ZodType | undefined,
  descriptions: Readonly<Record<string, string>> = {},
): Record<string, unknown>[] {
  if (schema === undefined) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required?.includes(name) ?? false),
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
  unavailable:
    'The database or another dependency cannot be reached right now (`details` names which); `Retry-After` says when to try again. Nothing was changed, or the change is safe to repeat.',
};

function errors(codes: readonly ErrorCode[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Any route can fail with `internal` (a bug) or `unavailable` (the database is down).
  for (const code of [...codes, 'internal' as const, 'unavailable' as const]) {
    out[String(contract.ERROR_STATUS[code])] =
      code === 'rate_limited' || code === 'unavailable'
        ? { $ref: `#/components/responses/${code}` }
        : {
            description: `\`${code}\`: ${ERROR_TEXT[code]}`,
            content: { 'application/json': { schema: ref('ErrorBody') } },
          };
  }
  return out;
}

function requestBody(body: NonNullable<RouteSpec['body']>): Record<string, unknown> {
  const description = body.description === undefined ? {} : { description: body.description };
  if (body.kind === 'json') {
    return {
      required: true,
      ...description,
      content: { 'application/json': { schema: schemaOf(body.schema, 'input') } },
    };
  }
  const fields = inline(body.fields, 'input') as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return {
    required: true,
    ...description,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: {
            ...fields.properties,
            ...Object.fromEntries(
              body.files.map((name) => [
                name,
                { type: 'string', contentMediaType: 'application/octet-stream' },
              ]),
            ),
          },
          required: [...(fields.required ?? []), ...body.files],
        },
      },
    },
  };
}

function response(reply: ReplySpec): Record<string, unknown> {
  switch (reply.kind) {
    case 'json':
      return {
        description: reply.description,
        content: { 'application/json': { schema: schemaOf(reply.schema, 'output') } },
      };
    case 'empty':
      return { description: reply.description };
    case 'binary':
      return {
        description: reply.ranges
          ? `${reply.description} Range requests are honoured (206 with the part asked for).`
          : reply.description,
        content: {
          '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
        },
      };
  }
}

function operation(name: string, route: RouteSpec): Record<string, unknown> {
  const { docs } = route;
  const parameterList = [
    ...parameters('path', route.params, docs.params),
    ...parameters('query', route.query, docs.query),
  ];
  return {
    tags: [docs.tag],
    summary: docs.summary,
    ...(docs.description === undefined ? {} : { description: docs.description }),
    operationId: name,
    security: route.auth ? [{ bearer: [] }] : [],
    ...(parameterList.length === 0 ? {} : { parameters: parameterList }),
    ...(route.body === undefined ? {} : { requestBody: requestBody(route.body) }),
    responses: {
      ...Object.fromEntries(
        Object.entries(route.responses).map(([status, reply]) => [status, response(reply)]),
      ),
      ...errors(route.errors),
    },
  };
}

/** `paths` from a route table, and the components its bodies and answers name. */
export function describeRoutes(routes: Readonly<Record<string, RouteSpec>>): {
  paths: Record<string, Record<string, unknown>>;
  schemas: Record<string, JsonSchema>;
} {
  const paths: Record<string, Record<string, unknown>> = {};
  const requests: Record<string, z.ZodType> = {};
  const responses: Record<string, z.ZodType> = { ErrorBody };
  const collect = (into: Record<string, z.ZodType>, schema: z.ZodType) => {
    const name = EXPORTED_NAMES.get(schema);
    if (name !== undefined) into[name] = schema;
  };
  for (const [name, route] of Object.entries(routes)) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(name, route) };
    if (route.body?.kind === 'json') collect(requests, route.body.schema);
    for (const reply of Object.values(route.responses)) {
      if (reply.kind === 'json') collect(responses, reply.schema);
    }
  }
  for (const name of Object.keys(requests)) {
    // One name, one schema: input and output forms of a schema would clash.
    if (name in responses) throw new Error(`${name} is both a request body and an answer`);
  }
  return {
    paths,
    schemas: { ...components(requests, 'input'), ...components(responses, 'output') },
  };
}

function build(): Record<string, unknown> {
  const { paths, schemas } = describeRoutes(ROUTES);
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
    // In the table's order: the first route of each feature places its tag.
    tags: [...new Set(Object.values(ROUTES).map((route) => route.docs.tag))].map((name) => ({
      name,
    })),
    paths,
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
        unavailable: {
          description: `\`unavailable\`: ${ERROR_TEXT.unavailable}`,
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
