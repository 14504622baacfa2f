import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ROUTES, binary, empty, json, multipartBody, type RouteSpec } from '@chat/protocol';
import { startTestApi, type TestApi } from '../../test/helpers';
import { describeRoutes } from './openapi';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
}

async function fetchDocument(): Promise<Document> {
  const response = await fetch(`${api.url}/api/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  // Parsed from the raw text: it must be JSON, not something the helper tolerated.
  return JSON.parse(await response.text()) as Document;
}

describe('GET /api/openapi.json', () => {
  test('is a valid OpenAPI 3.1 document', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // The validator does reject a broken document (so the check above means something).
    const { info: _info, ...broken } = document as unknown as Record<string, unknown>;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  test('documents every route the API serves, and nothing it does not', async () => {
    const document = await fetchDocument();
    const served = api.app.routes.map((r) => `${r.method} ${r.path}`).sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(documented).toEqual(served);
    // The contract's routes are among them, spelled as OpenAPI spells them.
    expect(served).toEqual(
      expect.arrayContaining([
        'GET /api/health',
        'POST /api/auth/register',
        'POST /api/auth/login',
        'POST /api/auth/refresh',
        'POST /api/auth/logout',
        'GET /api/users/me',
        'GET /api/users',
        'GET /api/users/{id}',
        'POST /api/conversations',
        'GET /api/conversations',
        'GET /api/conversations/{id}',
        'POST /api/conversations/{id}/messages',
        'GET /api/conversations/{id}/messages',
        'POST /api/conversations/{id}/read',
      ]),
    );
  });

  test('describes bodies, query parameters, responses and the error body from the protocol schemas', async () => {
    const document = await fetchDocument();
    const schemas = document.components.schemas;
    for (const name of ['User', 'Person', 'Message', 'Conversation', 'ErrorBody']) {
      expect(schemas).toHaveProperty(name);
    }
    const conversation = schemas.Conversation as { required: string[] };
    expect(conversation.required).toEqual(
      expect.arrayContaining(['lastMessage', 'lastReadSeq', 'unreadCount', 'receipts']),
    );
    const send = document.paths['/api/conversations/{id}/messages']?.post as unknown as {
      requestBody: unknown;
      responses: Record<string, unknown>;
    };
    expect(send.requestBody).toMatchObject({
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/SendMessageRequest' } },
      },
    });
    expect(Object.keys(send.responses).sort()).toEqual(
      ['200', '201', '400', '401', '403', '404', '413', '429', '500', '503'].sort(),
    );
    const history = document.paths['/api/conversations/{id}/messages']?.get as unknown as {
      parameters: { name: string; in: string }[];
    };
    expect(history.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:id',
      'query:limit',
      'query:before',
      'query:after',
      'query:around',
      'query:changedAfter',
    ]);
    const sendBody = schemas.SendMessageRequest as {
      properties: { clientId: { maxLength: number; pattern: string } };
    };
    expect(sendBody.properties.clientId).toMatchObject({ maxLength: 64 });
  });
});

describe('paths generated from a route table', () => {
  // Routes of the kinds version 2 adds, each one table entry.
  const VERSION_2_KINDS = {
    react: {
      method: 'PUT',
      path: '/api/conversations/:id/messages/:seq/reactions/:emoji',
      auth: true,
      params: z.object({ id: z.string(), seq: z.string().regex(/^\d+$/), emoji: z.string() }),
      responses: { 204: empty('Added, or already there.') },
      errors: ['invalid_request', 'unauthorized', 'not_found'],
      docs: { tag: 'messages', summary: 'React', params: { emoji: 'One emoji, URL-encoded.' } },
    },
    unreact: {
      method: 'DELETE',
      path: '/api/conversations/:id/messages/:seq/reactions/:emoji',
      auth: true,
      params: z.object({ id: z.string(), seq: z.string(), emoji: z.string() }),
      responses: { 204: empty('Gone, or never there.') },
      errors: ['unauthorized', 'not_found'],
      docs: { tag: 'messages', summary: 'Take a reaction back' },
    },
    upload: {
      method: 'POST',
      path: '/api/uploads',
      auth: true,
      body: multipartBody(['file'], z.object({})),
      responses: { 201: json(z.object({ id: z.string(), size: z.number() }), 'Stored.') },
      errors: ['invalid_request', 'unauthorized', 'payload_too_large'],
      docs: { tag: 'files', summary: 'Upload a file' },
    },
    download: {
      method: 'GET',
      path: '/api/attachments/:id',
      auth: true,
      params: z.object({ id: z.string() }),
      responses: {
        200: binary('The bytes.', { ranges: true }),
        206: binary('The range asked for.', { ranges: true }),
      },
      errors: ['unauthorized', 'not_found'],
      docs: { tag: 'files', summary: 'Download an attachment' },
    },
  } as const satisfies Record<string, RouteSpec>;

  test('path parameters, 204s, multipart bodies and byte answers become valid OpenAPI', async () => {
    const { paths, schemas } = describeRoutes(VERSION_2_KINDS);
    const document = {
      openapi: '3.1.0',
      info: { title: 'version 2 kinds', version: '0' },
      paths,
      components: {
        schemas,
        responses: {
          rate_limited: { description: 'rate limited' },
          unavailable: { description: 'unavailable' },
        },
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    };
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);

    const reactions = paths['/api/conversations/{id}/messages/{seq}/reactions/{emoji}'];
    expect(Object.keys(reactions ?? {}).sort()).toEqual(['delete', 'put']);
    const react = reactions?.put as {
      parameters: { name: string; in: string; required: boolean }[];
      responses: Record<string, unknown>;
      security: unknown[];
    };
    expect(react.parameters.map((p) => `${p.in}:${p.name}:${String(p.required)}`)).toEqual([
      'path:id:true',
      'path:seq:true',
      'path:emoji:true',
    ]);
    expect(Object.keys(react.responses).sort()).toEqual(['204', '400', '401', '404', '500', '503']);
    expect(react.responses['204']).toEqual({ description: 'Added, or already there.' });
    expect(react.security).toEqual([{ bearer: [] }]);

    const upload = paths['/api/uploads']?.post as { requestBody: unknown };
    expect(upload.requestBody).toMatchObject({
      content: { 'multipart/form-data': { schema: { required: ['file'] } } },
    });
    const download = paths['/api/attachments/{id}']?.get as {
      responses: Record<string, { content?: Record<string, unknown> }>;
    };
    expect(Object.keys(download.responses['206']?.content ?? {})).toEqual(['*/*']);
    // Unnamed schemas are written inline; only the error body is a component here.
    expect(Object.keys(schemas)).toEqual(['ErrorBody']);
  });

  test('a schema the protocol exports by name becomes a component, referenced by that name', () => {
    const { paths, schemas } = describeRoutes({ markRead: ROUTES.markRead, me: ROUTES.me });
    expect(Object.keys(schemas).sort()).toEqual(['ErrorBody', 'MarkReadRequest', 'User']);
    expect(paths['/api/users/me']?.get).toMatchObject({
      responses: {
        '200': {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
        },
      },
    });
  });
});
