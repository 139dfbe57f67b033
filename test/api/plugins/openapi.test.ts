import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bodyOf, buildTestApp, type TestApp } from '../helper.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

interface Operation {
  security?: unknown[];
  tags?: string[];
  responses: Record<string, unknown>;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, unknown> };
}

const ROUTES: Array<[method: string, path: string, scope: string]> = [
  ['get', '/healthz', 'public'],
  ['get', '/readyz', 'public'],
  ['get', '/metrics', 'read'],
  ['post', '/v1/events', 'write'],
  ['get', '/v1/alerts', 'read'],
  ['get', '/v1/alerts/{id}', 'read'],
  ['patch', '/v1/alerts/{id}', 'write'],
  ['get', '/v1/keys', 'read'],
  ['get', '/v1/keys/{keyId}', 'read'],
  ['put', '/v1/keys/{keyId}/policy', 'admin'],
  ['post', '/v1/keys/{keyId}/revoke', 'admin'],
  ['post', '/v1/webhooks', 'admin'],
  ['get', '/v1/webhooks', 'admin'],
  ['get', '/v1/webhooks/{webhookId}', 'admin'],
  ['patch', '/v1/webhooks/{webhookId}', 'admin'],
  ['delete', '/v1/webhooks/{webhookId}', 'admin'],
  ['post', '/v1/webhooks/{webhookId}/test', 'admin'],
  ['get', '/v1/webhooks/{webhookId}/deliveries', 'admin'],
  ['post', '/v1/webhooks/{webhookId}/deliveries/{messageId}/redeliver', 'admin'],
  ['get', '/v1/stream', 'read'],
  ['get', '/v1/tokens', 'admin'],
  ['post', '/v1/tokens', 'admin'],
  ['delete', '/v1/tokens/{tokenId}', 'admin'],
];

async function document(): Promise<{ paths: Record<string, Record<string, Operation>> }> {
  const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  return bodyOf(response);
}

describe('the OpenAPI document', () => {
  test('is served without a token and lists every route, and nothing else', async () => {
    const { paths } = await document();
    const listed = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(listed.sort()).toEqual(ROUTES.map(([method, path]) => `${method} ${path}`).sort());
  });

  test.each(ROUTES)('describes %s %s with its access (%s) and a 2xx answer', async (method, path, scope) => {
    const operation = (await document()).paths[path]![method]!;
    expect(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
    expect(operation.tags?.length).toBe(1);
    if (scope === 'public') {
      expect(operation.security).toEqual([]);
    } else {
      expect(operation.security).toEqual([{ bearerAuth: [] }]);
      expect(operation.responses['401']).toBeDefined();
      expect(operation.responses['403']).toBeDefined();
      expect(JSON.stringify(operation)).toContain(`scope \`${scope}\``);
    }
  });

  test('documents NDJSON as an accepted body of POST /v1/events', async () => {
    const operation = (await document()).paths['/v1/events']!.post!;
    expect(Object.keys(operation.requestBody!.content)).toEqual(
      expect.arrayContaining(['application/json', 'application/x-ndjson']),
    );
  });

  test('documents the filters of GET /v1/alerts as query parameters', async () => {
    const operation = (await document()).paths['/v1/alerts']!.get!;
    const names = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(names.sort()).toEqual([
      'cursor',
      'detector',
      'keyId',
      'limit',
      'severity',
      'since',
      'status',
      'until',
    ]);
  });
});

describe('the documentation page', () => {
  test('is served at /docs without a token', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('swagger-ui');
  });
});
