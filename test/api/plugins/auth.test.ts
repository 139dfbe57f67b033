import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ADMIN_TOKEN_NAME } from '../../../src/api/app.js';
import { bearerToken, installAuth, scopesGrant } from '../../../src/api/plugins/auth.js';
import { createTokenVerifier, sha256Hex } from '../../../src/api/plugins/token-verifier.js';
import { buildTestApp, errorOf, makeAlert, seedAlerts, type TestApp } from '../helper.js';

const ALERT = makeAlert();

const ROUTES: Array<{
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  scope: 'read' | 'write' | 'admin';
  payload?: object;
}> = [
  { method: 'GET', url: '/metrics', scope: 'read' },
  { method: 'GET', url: '/v1/alerts', scope: 'read' },
  { method: 'GET', url: `/v1/alerts/${ALERT.id}`, scope: 'read' },
  { method: 'GET', url: '/v1/keys', scope: 'read' },
  { method: 'GET', url: '/v1/keys/key-1', scope: 'read' },
  { method: 'POST', url: '/v1/events', scope: 'write', payload: [] },
  { method: 'PATCH', url: `/v1/alerts/${ALERT.id}`, scope: 'write', payload: { status: 'acknowledged' } },
  { method: 'PUT', url: '/v1/keys/key-1/policy', scope: 'admin', payload: { timezone: 'UTC' } },
  { method: 'POST', url: '/v1/keys/key-1/revoke', scope: 'admin' },
  { method: 'GET', url: '/v1/tokens', scope: 'admin' },
];

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  await seedAlerts(t.store, [ALERT]);
  await t.runtime.ingest([{ ts: Date.parse('2026-01-05T09:00:00Z'), keyId: 'key-1', ip: '81.2.69.160' }]);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t.close();
});

describe('scopes', () => {
  test.each([
    [['read'], 'read', true],
    [['read'], 'write', false],
    [['write'], 'read', true],
    [['write'], 'admin', false],
    [['admin'], 'read', true],
    [['admin'], 'write', true],
    [[], 'read', false],
  ] as const)('scopes %j grant %s: %s', (scopes, needed, granted) => {
    expect(scopesGrant(scopes, needed)).toBe(granted);
  });
});

describe('bearer tokens', () => {
  test.each([
    ['Bearer kw_abc-DEF_123', 'kw_abc-DEF_123'],
    ['bearer kw_abc', 'kw_abc'],
    ['Bearer  kw_abc ', 'kw_abc'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['Bearer kw_\u0000abc', undefined],
    ['Bearer <script>', undefined],
    [`Bearer ${'a'.repeat(513)}`, undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('access to each route', () => {
  const cases = ROUTES.flatMap((route) =>
    (['nobody', 'read', 'write', 'admin'] as const).map((caller) => ({ ...route, caller })),
  );
  test.each(cases)(
    '$method $url ($scope) called by $caller',
    async ({ method, url, scope, payload, caller }) => {
      const response = await t.as(caller, { method, url, ...(payload !== undefined ? { payload } : {}) });
      const rank = { nobody: 0, read: 1, write: 2, admin: 3 };
      if (caller === 'nobody') {
        expect(response.statusCode).toBe(401);
        expect(errorOf(response).code).toBe('KW_ERR_UNAUTHORIZED');
        expect(response.headers['www-authenticate']).toBe('Bearer');
      } else if (rank[caller] < rank[scope]) {
        expect(response.statusCode).toBe(403);
        expect(errorOf(response).code).toBe('KW_ERR_FORBIDDEN');
      } else {
        expect(response.statusCode).toBe(200);
      }
    },
  );

  test.each([
    'Bearer kw_not-a-token',
    'Basic dXNlcjpwYXNz',
    'Bearer',
    `Bearer ${'x'.repeat(2000)}`,
    'Bearer \u00e9t\u00e9',
  ])('refuses the Authorization header %j with 401', async (authorization) => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/alerts', headers: { authorization } });
    expect(response.statusCode).toBe(401);
    expect(errorOf(response).code).toBe('KW_ERR_UNAUTHORIZED');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test.each(['/v1/alerts', '/v1/keys', '/metrics'])(
    'guards the HEAD twin of GET %s like the GET',
    async (url) => {
      expect((await t.app.inject({ method: 'HEAD', url })).statusCode).toBe(401);
      expect((await t.as('read', { method: 'HEAD', url })).statusCode).toBe(200);
    },
  );

  test('answers 401 before reading the body, so an anonymous caller learns nothing from validation', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(response.statusCode).toBe(401);
  });

  test('tells a caller with too little scope which scope the route needs', async () => {
    const response = await t.as('read', { method: 'POST', url: '/v1/keys/key-1/revoke' });
    expect(response.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="admin"');
  });
});

describe('token sources', () => {
  test('accepts a token configured by its SHA-256 with the configured scopes', async () => {
    const clear = 'kw_configured-token-for-ci';
    const configured = await buildTestApp({
      config: { tokens: [{ name: 'ci', scopes: ['read'], sha256: sha256Hex(clear) }] },
    });
    try {
      const headers = { authorization: `Bearer ${clear}` };
      expect((await configured.app.inject({ method: 'GET', url: '/v1/alerts', headers })).statusCode).toBe(
        200,
      );
      expect(
        (await configured.app.inject({ method: 'POST', url: '/v1/keys/k/revoke', headers })).statusCode,
      ).toBe(403);
    } finally {
      await configured.close();
    }
  });

  test('ensures the admin token given at start-up, idempotently', async () => {
    const adminToken = 'kw_quick-start-admin-token';
    const first = await buildTestApp({ adminToken });
    try {
      const headers = { authorization: `Bearer ${adminToken}` };
      const response = await first.app.inject({ method: 'POST', url: '/v1/keys/k/revoke', headers });
      expect(response.statusCode).toBe(200);
      expect(
        (await first.store.listTokens()).filter((token) => token.name === ADMIN_TOKEN_NAME),
      ).toHaveLength(1);
    } finally {
      await first.close();
    }
  });

  test('records the name of the token as the actor of a status change', async () => {
    await t.as('admin', { method: 'PATCH', url: `/v1/alerts/${ALERT.id}`, payload: { status: 'resolved' } });
    expect((await t.store.getAlert(ALERT.id))?.statusHistory[0]?.actor).toBe('administrator');
  });
});

describe('verification cache', () => {
  test('asks the store once for repeated requests with the same token', async () => {
    const verify = vi.spyOn(t.store, 'verifyToken');
    await t.as('read', { method: 'GET', url: '/v1/alerts' });
    await t.as('read', { method: 'GET', url: '/v1/alerts' });
    expect(verify).toHaveBeenCalledTimes(1);
  });

  test('refuses a revoked token at the next request, though it was remembered', async () => {
    const [reader] = (await t.store.listTokens()).filter((token) => token.name === 'reader');
    const verify = vi.spyOn(t.store, 'verifyToken');
    expect((await t.as('read', { method: 'GET', url: '/v1/alerts' })).statusCode).toBe(200);
    expect((await t.as('read', { method: 'GET', url: '/v1/alerts' })).statusCode).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
    await t.store.revokeToken(reader!.id);
    expect((await t.as('read', { method: 'GET', url: '/v1/alerts' })).statusCode).toBe(401);
  });
});

describe('installAuth', () => {
  test('refuses at start-up a route that declares no access', async () => {
    const app = Fastify();
    installAuth(app, {
      verifier: createTokenVerifier({ store: { verifyToken: async () => undefined, tokenStamp: () => '1' } }),
    });
    expect(() => app.get('/forgotten', async () => 'open to all?')).toThrow(
      'GET /forgotten declares no config.access',
    );
    await app.close();
  });
});
