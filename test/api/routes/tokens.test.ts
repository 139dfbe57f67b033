import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { sha256Hex } from '../../../src/api/plugins/token-verifier.js';
import { bodyOf, buildTestApp, errorOf, type TestApp } from '../helper.js';

interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  source: 'api' | 'config';
  token?: string;
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function app(options: Parameters<typeof buildTestApp>[0] = {}): Promise<TestApp> {
  t = await buildTestApp(options);
  return t;
}

function withToken(token: string) {
  return { authorization: `Bearer ${token}` };
}

describe('/v1/tokens', () => {
  test('creates a token answered once, which then works with exactly its scopes', async () => {
    const api = await app();
    const created = await api.as('admin', {
      method: 'POST',
      url: '/v1/tokens',
      payload: { name: 'grafana', scopes: ['read'] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const view = bodyOf<TokenView>(created);
    expect(view).toMatchObject({ name: 'grafana', scopes: ['read'], lastUsedAt: null, source: 'api' });
    expect(view.id).toMatch(/^tok_/);
    expect(view.token).toMatch(/^kw_[A-Za-z0-9_-]{43}$/);
    const token = view.token!;

    const read = await api.app.inject({ method: 'GET', url: '/v1/alerts', headers: withToken(token) });
    expect(read.statusCode).toBe(200);
    const ingest = await api.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: withToken(token),
      payload: [],
    });
    expect(ingest.statusCode).toBe(403);

    // Listed, never with the token or its hash.
    const listed = await api.as('admin', { method: 'GET', url: '/v1/tokens' });
    expect(listed.statusCode).toBe(200);
    const items = bodyOf<{ items: TokenView[] }>(listed).items;
    expect(items.find((item) => item.id === view.id)).toMatchObject({ name: 'grafana', scopes: ['read'] });
    expect(listed.body).not.toContain(token);
    expect(listed.body).not.toContain(createHash('sha256').update(token).digest('hex'));
    expect(items.every((item) => item.token === undefined)).toBe(true);
  });

  test('revokes a token: refused at its next request, gone from the list, a second revoke is 404', async () => {
    const api = await app();
    const view = bodyOf<TokenView>(
      await api.as('admin', {
        method: 'POST',
        url: '/v1/tokens',
        payload: { name: 'shipper', scopes: ['write'] },
      }),
    );
    const token = view.token!;
    const headers = withToken(token);
    expect((await api.app.inject({ method: 'GET', url: '/v1/alerts', headers })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/v1/alerts', headers })).statusCode).toBe(200);

    const revoked = await api.as('admin', { method: 'DELETE', url: `/v1/tokens/${view.id}` });
    expect(revoked.statusCode).toBe(204);
    const refused = await api.app.inject({ method: 'GET', url: '/v1/alerts', headers });
    expect(refused.statusCode).toBe(401);
    expect(errorOf(refused).code).toBe('KW_ERR_UNAUTHORIZED');

    const items = bodyOf<{ items: TokenView[] }>(
      await api.as('admin', { method: 'GET', url: '/v1/tokens' }),
    ).items;
    expect(items.map((item) => item.id)).not.toContain(view.id);
    const again = await api.as('admin', { method: 'DELETE', url: `/v1/tokens/${view.id}` });
    expect(again.statusCode).toBe(404);
    expect(errorOf(again).code).toBe('KW_ERR_NOT_FOUND');
  });

  test('lets an admin token revoke itself', async () => {
    const api = await app();
    const view = bodyOf<TokenView>(
      await api.as('admin', {
        method: 'POST',
        url: '/v1/tokens',
        payload: { name: 'rotating', scopes: ['admin'] },
      }),
    );
    const headers = withToken(view.token!);
    const revoked = await api.app.inject({ method: 'DELETE', url: `/v1/tokens/${view.id}`, headers });
    expect(revoked.statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: '/v1/tokens', headers })).statusCode).toBe(401);
  });

  test('lists configured tokens and refuses to revoke them (they live in server.tokens)', async () => {
    const clear = 'kw_configured-token-for-the-ci-runner';
    const api = await app({
      config: { tokens: [{ name: 'ci', scopes: ['write'], sha256: sha256Hex(clear) }] },
    });
    const items = bodyOf<{ items: TokenView[] }>(
      await api.as('admin', { method: 'GET', url: '/v1/tokens' }),
    ).items;
    expect(items.find((item) => item.source === 'config')).toMatchObject({
      id: 'config:ci',
      name: 'ci',
      scopes: ['write'],
    });
    const refused = await api.as('admin', { method: 'DELETE', url: '/v1/tokens/config:ci' });
    expect(refused.statusCode).toBe(409);
    expect(errorOf(refused).message).toContain('server.tokens');
    expect(
      (await api.app.inject({ method: 'GET', url: '/v1/alerts', headers: withToken(clear) })).statusCode,
    ).toBe(200);
  });

  test.each([
    [{ name: '', scopes: ['read'] }, 'name'],
    [{ name: 'x'.repeat(101), scopes: ['read'] }, 'name'],
    [{ name: 'line\nbreak', scopes: ['read'] }, 'name'],
    [{ name: 'ok', scopes: [] }, 'scopes'],
    [{ name: 'ok', scopes: ['root'] }, 'scopes'],
    [{ name: 'ok', scopes: ['read', 'read'] }, 'scopes'],
    [{ name: 'ok' }, 'scopes'],
    [{ name: 'ok', scopes: ['read'], token: 'kw_chosen-by-the-caller' }, 'token'],
  ])('refuses %j with a 400 naming %s', async (payload, field) => {
    const api = await app();
    const response = await api.as('admin', { method: 'POST', url: '/v1/tokens', payload });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
    expect(errorOf(response).message).toContain(field);
  });

  test('answers 404 for a token id nobody issued', async () => {
    const api = await app();
    const response = await api.as('admin', { method: 'DELETE', url: '/v1/tokens/tok_unknown' });
    expect(response.statusCode).toBe(404);
  });

  test('logs who created and revoked which token, never the token itself', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const api = await app({ logger: pino({ level: 'info' }, stream) });
    const view = bodyOf<TokenView>(
      await api.as('admin', {
        method: 'POST',
        url: '/v1/tokens',
        payload: { name: 'audited', scopes: ['read'] },
      }),
    );
    await api.as('admin', { method: 'DELETE', url: `/v1/tokens/${view.id}` });
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const administrator = (await api.store.listTokens()).find((token) => token.name === 'administrator')!;
    expect(entries.find((entry) => entry.msg === 'API token created')).toMatchObject({
      tokenId: view.id,
      tokenName: 'audited',
      by: administrator.id,
    });
    expect(entries.find((entry) => entry.msg === 'API token revoked')).toMatchObject({
      tokenId: view.id,
      by: administrator.id,
    });
    expect(lines.join('\n')).not.toContain(view.token!);
  });
});
