import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  ROUTES,
  ROUTE_NAMES,
  defineRoutes,
  empty,
  fillPath,
  json,
  openApiPath,
  type RouteSpec,
} from './routes';

const routes = ROUTE_NAMES.map((name) => [name, ROUTES[name] as RouteSpec] as const);

describe('the route table', () => {
  test('declares each method and path once', () => {
    const keys = routes.map(([, route]) => `${route.method} ${openApiPath(route.path)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("each route's params name exactly the parameters of its path", () => {
    for (const [name, route] of routes) {
      const inPath = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]).sort();
      expect(Object.keys(route.params?.shape ?? {}).sort(), name).toEqual(inPath);
    }
  });

  test('lists the errors its validation and authentication can answer', () => {
    for (const [name, route] of routes) {
      if (route.auth) expect(route.errors, name).toContain('unauthorized');
      if (route.query !== undefined || route.body !== undefined) {
        expect(route.errors, name).toContain('invalid_request');
      }
      // Any body can be over the size limit.
      if (route.body !== undefined) expect(route.errors, name).toContain('payload_too_large');
    }
  });

  test('declares at least one answer per route; only 204 and a bodiless 201 are empty', () => {
    for (const [name, route] of routes) {
      const answers = Object.entries(route.responses);
      expect(answers.length, name).toBeGreaterThan(0);
      for (const [status, reply] of answers) {
        // 204 never has a body; a 201 may have none (`POST /api/push/subscriptions`).
        if (status === '204') expect(reply.kind, `${name} ${status}`).toBe('empty');
        else if (reply.kind === 'empty') expect(status, `${name} ${status}`).toBe('201');
      }
    }
  });

  test('a path parameter missing from params does not type-check', () => {
    const table = defineRoutes({
      ok: {
        method: 'DELETE',
        path: '/api/things/:id/parts/:part',
        auth: true,
        params: z.object({ id: z.string(), part: z.string() }),
        responses: { 204: empty('Gone.') },
        errors: ['unauthorized'],
        docs: { tag: 'things', summary: 'Remove a part' },
      },
    });
    expect(Object.keys(table)).toEqual(['ok']);
    defineRoutes({
      missing: {
        method: 'GET',
        path: '/api/things/:id/parts/:part',
        auth: true,
        // @ts-expect-error `part` is in the path but not in params
        params: z.object({ id: z.string() }),
        responses: { 200: json(z.object({}), 'A part.') },
        errors: ['unauthorized'],
        docs: { tag: 'things', summary: 'A part' },
      },
    });
  });
});

describe('fillPath', () => {
  test('URL-encodes each parameter, so an emoji or a slash stays one segment', () => {
    expect(
      fillPath('/api/conversations/:id/messages/:seq/reactions/:emoji', {
        id: 'a/b',
        seq: 7,
        emoji: '👍🏽',
      }),
    ).toBe('/api/conversations/a%2Fb/messages/7/reactions/%F0%9F%91%8D%F0%9F%8F%BD');
  });

  test('refuses to build a path with a parameter missing', () => {
    expect(() => fillPath('/api/users/:id', {})).toThrow(/missing path parameter id/);
  });
});
