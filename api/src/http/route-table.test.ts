import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROUTE_NAMES, ROUTES, ErrorBody, type RouteName } from '@chat/protocol';
import { registerUser, startTestApi, type TestApi } from '../../test/helpers';
import type { AppState } from './context';
import { ApiError, errorMiddleware } from './errors';
import { createLogger } from './logging';
import {
  compareWithTable,
  routeTableRouter,
  routesOf,
  type RouteHandlers,
  type RouteRequest,
} from './route-table';

describe('the API against the route table', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  test('the router serves every route of the table, and nothing else', () => {
    expect(api.app.routes).toHaveLength(ROUTE_NAMES.length);
    expect(compareWithTable(api.app.routes)).toEqual({ undeclared: [], unserved: [] });
  });

  test('a route served outside the table, or a table route nobody serves, is reported', () => {
    const stray = new Router();
    stray.get('/api/stray/:id', () => undefined);
    const served = [...api.app.routes, ...routesOf([stray])].filter(
      (route) => !(route.method === 'GET' && route.path === '/api/users/me'),
    );
    expect(compareWithTable(served)).toEqual({
      undeclared: ['GET /api/stray/{id}'],
      unserved: ['GET /api/users/me'],
    });
  });

  test('a route that needs a caller refuses one without a token, whatever the case of its path', async () => {
    const someone = await registerUser(api);
    for (const path of [`/api/users/${someone.user.id}`, `/api/Users/${someone.user.id}`]) {
      const response = await api.http.get(path);
      expect(response.status, path).toBe(401);
      expect(ErrorBody.parse(response.body).error.code).toBe('unauthorized');
    }
    const signedIn = await api.http.get(`/api/Users/${someone.user.id}`, {
      token: someone.accessToken,
    });
    expect(signedIn.status).toBe(200);
  });
});

describe('routeTableRouter', () => {
  // A tiny app with stub handlers, to watch what reaches them.
  const seen: { name: RouteName; request: Omit<RouteRequest<RouteName>, 'ctx'> }[] = [];
  let answers: Partial<Record<RouteName, { status: number; body?: unknown }>> = {};
  let server: Server;
  let url: string;

  const stubAuth: Middleware<AppState> = async (ctx, next) => {
    if (ctx.get('authorization') !== 'Bearer good') throw new ApiError('unauthorized');
    ctx.state.auth = { userId: 'u1', sessionId: 's1', exp: 0 };
    await next();
  };

  const stubHandlers = Object.fromEntries(
    ROUTE_NAMES.map((name) => [
      name,
      ({ ctx: _ctx, ...request }: RouteRequest<RouteName>) => {
        seen.push({ name, request });
        return answers[name] ?? { status: 204 };
      },
    ]),
  ) as unknown as RouteHandlers;

  beforeAll(async () => {
    const koa = new Koa<AppState>();
    koa
      .use(errorMiddleware(createLogger('silent')))
      .use(bodyParser({ enableTypes: ['json'], jsonStrict: true }))
      .use(routeTableRouter(stubHandlers, stubAuth).routes());
    const handle = koa.callback();
    server = createServer((req, res) => {
      void handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function call(method: string, path: string, init: { token?: string; body?: string } = {}) {
    seen.length = 0;
    const response = await fetch(url + path, {
      method,
      headers: {
        ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body,
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }

  test('handlers get params, query and body as the table schemas output them', async () => {
    answers = { listMessages: { status: 200, body: { messages: [] } } };
    const response = await call('GET', '/api/conversations/c%2F1/messages?after=7', {
      token: 'good',
    });
    expect(response).toEqual({ status: 200, body: { messages: [] } });
    expect(seen).toEqual([
      {
        name: 'listMessages',
        request: {
          params: { id: 'c/1' },
          // Strings on the wire; numbers and defaults after the schema.
          query: { limit: 50, after: 7 },
          body: undefined,
          caller: { userId: 'u1', sessionId: 's1', exp: 0 },
        },
      },
    ]);
  });

  test('an invalid query or body is answered 400 or 413 before the handler runs', async () => {
    const badQuery = await call('GET', '/api/users?limit=0', { token: 'good' });
    expect(badQuery.status).toBe(400);
    expect(ErrorBody.parse(badQuery.body).error).toMatchObject({
      code: 'invalid_request',
      details: [{ path: 'limit' }],
    });
    const badBody = await call('POST', '/api/auth/login', { body: '{"username":1}' });
    expect(badBody.status).toBe(400);
    const longMessage = JSON.stringify({ clientId: 'c1', body: 'x'.repeat(4001) });
    const tooLong = await call('POST', '/api/conversations/c1/messages', {
      token: 'good',
      body: longMessage,
    });
    expect(tooLong.status).toBe(413);
    expect(ErrorBody.parse(tooLong.body).error.code).toBe('payload_too_large');
    expect(seen).toEqual([]);
  });

  test('authentication comes before validation on routes that need a caller', async () => {
    const response = await call('POST', '/api/conversations/c1/read', { body: '{"seq":-1}' });
    expect(response.status).toBe(401);
    expect(seen).toEqual([]);
  });

  test('the most specific path answers, whatever the order of the table', async () => {
    answers = { me: { status: 200, body: { id: 'me' } } };
    await call('GET', '/api/users/me', { token: 'good' });
    expect(seen.map((s) => s.name)).toEqual(['me']);
    await call('GET', '/api/users/someone', { token: 'good' });
    expect(seen.map((s) => s.name)).toEqual(['getUser']);
  });

  test('a status the table does not declare for the route is a 500, not an answer', async () => {
    answers = { health: { status: 201, body: { status: 'ok' } } };
    const response = await call('GET', '/api/health');
    expect(response.status).toBe(500);
    expect(ErrorBody.parse(response.body).error.code).toBe('internal');
    answers = { logout: { status: 204, body: { ignored: true } } };
    // A 204 in the table sends no body, whatever the handler returned.
    expect(await call('POST', '/api/auth/logout', { token: 'good' })).toEqual({
      status: 204,
      body: null,
    });
  });

  test('a table route without a handler stops the router from being built', () => {
    const { me: _missing, ...others } = stubHandlers;
    expect(() => routeTableRouter(others as RouteHandlers, stubAuth)).toThrow(
      'route me has no handler',
    );
  });

  test('every table route is registered with the method and auth the table gives it', () => {
    const router = routeTableRouter(stubHandlers, stubAuth);
    expect(routesOf([router])).toHaveLength(ROUTE_NAMES.length);
    for (const layer of router.stack) {
      const spec = ROUTES[layer.name as RouteName];
      expect(layer.methods).toContain(spec.method);
      // The route's name for metrics and logs, then authentication where the table asks.
      expect(layer.stack.length, String(layer.name)).toBe(spec.auth ? 3 : 2);
      if (spec.auth) expect(layer.stack[1], String(layer.name)).toBe(stubAuth);
    }
  });
});
