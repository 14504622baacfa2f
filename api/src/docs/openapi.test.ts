import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApi, type TestApi } from '../../test/helpers';

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
      ['200', '201', '400', '401', '404', '413', '429', '500'].sort(),
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
