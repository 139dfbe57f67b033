import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bodyOf,
  buildTestApp,
  errorOf,
  makeAlert,
  seedAlerts,
  TEST_SERVER_CONFIG,
  type TestApp,
} from './helper.js';

/**
 * Hostile input in every position of every route: the API must answer with a 4xx and a KW_ERR code
 * where the input is invalid, and treat it as inert text where text is allowed. Never a 5xx.
 */

const ALERT = makeAlert();
const HOSTILE = {
  sqlInjection: "' OR 1=1 --",
  script: '<script>alert(1)</script>',
  pathTraversal: '../../etc/passwd',
  nul: 'a\u0000b',
  veryLong: 'x'.repeat(10_000),
  rightToLeft: 'abc\u202Edef',
  percent: '%00%2e%2e%2f',
  emoji: '🔑💥',
} as const;
const HOSTILE_ENTRIES = Object.entries(HOSTILE);

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
  await seedAlerts(t.store, [ALERT]);
});
afterAll(async () => {
  await t.close();
});

const BODY_ROUTES: Array<{ method: 'POST' | 'PATCH' | 'PUT'; url: string; scope: 'write' | 'admin' }> = [
  { method: 'POST', url: '/v1/events', scope: 'write' },
  { method: 'PATCH', url: `/v1/alerts/${ALERT.id}`, scope: 'write' },
  { method: 'PUT', url: '/v1/keys/key-1/policy', scope: 'admin' },
];

function expectRefused(
  response: Awaited<ReturnType<TestApp['as']>>,
  status: number,
  code = 'KW_ERR_BAD_REQUEST',
) {
  expect(response.statusCode).toBe(status);
  expect(errorOf(response).code).toBe(code);
}

describe('bodies that are not JSON', () => {
  const notJson: Array<[string, string | Buffer]> = [
    ['an unclosed object', '{'],
    ['an unfinished array', '[1,'],
    ['a missing value', '{"status":}'],
    ['single quotes', "{'status':'open'}"],
    ['a raw NUL byte', '{"status":"open\u0000"}'],
    ['trailing garbage', '{"status":"open"}garbage'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['a prototype-polluting key', '{"__proto__":{"isAdmin":true}}'],
    ['a constructor-polluting key', '{"constructor":{"prototype":{"isAdmin":true}}}'],
  ];
  const cases = BODY_ROUTES.flatMap((route) =>
    notJson.map(([label, payload]) => ({ ...route, label, payload })),
  );
  test.each(cases)('$method $url refuses $label with 400', async ({ method, url, scope, payload }) => {
    const response = await t.as(scope, {
      method,
      url,
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expectRefused(response, 400);
  });
});

describe('bodies of the wrong size or type', () => {
  test.each(BODY_ROUTES)(
    '$method $url refuses a body over the limit with 413',
    async ({ method, url, scope }) => {
      const payload = JSON.stringify({ status: 'open', pad: 'x'.repeat(TEST_SERVER_CONFIG.bodyLimitBytes) });
      const response = await t.as(scope, {
        method,
        url,
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expectRefused(response, 413, 'KW_ERR_PAYLOAD_TOO_LARGE');
    },
  );

  test.each(BODY_ROUTES)('$method $url refuses text/html with 415', async ({ method, url, scope }) => {
    const response = await t.as(scope, {
      method,
      url,
      headers: { 'content-type': 'text/html' },
      payload: HOSTILE.script,
    });
    expectRefused(response, 415);
  });

  test.each(BODY_ROUTES.filter((route) => route.method !== 'POST'))(
    '$method $url refuses a missing body with 400',
    async ({ method, url, scope }) => {
      expectRefused(await t.as(scope, { method, url }), 400);
    },
  );

  test('POST /v1/events answers deeply nested input as a rejected event', async () => {
    const payload = `[${'['.repeat(5000)}${']'.repeat(5000)}]`;
    const response = await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ accepted: 0, rejected: [{ index: 0 }] });
  });
});

describe('fields of the wrong type or unknown', () => {
  const cases: Array<[route: (typeof BODY_ROUTES)[number], payload: unknown]> = [
    [BODY_ROUTES[1]!, { status: 1 }],
    [BODY_ROUTES[1]!, { status: null }],
    [BODY_ROUTES[1]!, { status: 'open', note: {} }],
    [BODY_ROUTES[1]!, { status: 'open', extra: true }],
    [BODY_ROUTES[2]!, { timezone: 5 }],
    [BODY_ROUTES[2]!, { allowCidrs: '10.0.0.0/8' }],
    [BODY_ROUTES[2]!, { allowCidrs: Array.from({ length: 257 }, () => '10.0.0.0/8') }],
    [BODY_ROUTES[2]!, { businessHours: [] }],
    [BODY_ROUTES[2]!, { businessHours: { days: [1], startHour: 8.5, endHour: 18 } }],
    [BODY_ROUTES[2]!, { businessHours: { days: [1], startHour: 8, endHour: 18, lunch: 12 } }],
    [BODY_ROUTES[2]!, { revoked: 1 }],
    [BODY_ROUTES[2]!, { nested: { __proto__: 1 } }],
  ];
  test.each(cases)('%s.url refuses %j with 400', async (route, payload) => {
    const response = await t.as(route.scope, {
      method: route.method,
      url: route.url,
      payload: payload as object,
    });
    expectRefused(response, 400);
  });
});

describe('hostile strings', () => {
  // A path segment longer than the router's 1024 characters is 414 URI Too Long.
  const pathStatus = (label: string) => (label === 'veryLong' ? 414 : 400);

  test.each(HOSTILE_ENTRIES)(
    'an alert id that is %s is refused with 400 (414 when over-long)',
    async (label, value) => {
      for (const method of ['GET', 'PATCH'] as const) {
        const response = await t.as('write', {
          method,
          url: `/v1/alerts/${encodeURIComponent(value)}`,
          ...(method === 'PATCH' ? { payload: { status: 'open' } } : {}),
        });
        expectRefused(response, pathStatus(label));
      }
    },
  );

  test.each(HOSTILE_ENTRIES)(
    'a key id that is %s is not found, or refused when it cannot be a key id',
    async (label, value) => {
      const response = await t.as('read', { method: 'GET', url: `/v1/keys/${encodeURIComponent(value)}` });
      if (label === 'nul' || label === 'veryLong') expectRefused(response, pathStatus(label));
      else expectRefused(response, 404, 'KW_ERR_NOT_FOUND');
    },
  );

  test.each(HOSTILE_ENTRIES)(
    'a key id that is %s gets a policy stored verbatim, or is refused',
    async (label, value) => {
      const response = await t.as('admin', {
        method: 'PUT',
        url: `/v1/keys/${encodeURIComponent(value)}/policy`,
        payload: { timezone: 'UTC' },
      });
      if (label === 'nul' || label === 'veryLong') {
        expectRefused(response, pathStatus(label));
      } else {
        expect(response.statusCode).toBe(200);
        expect(await t.store.getPolicy(value)).toEqual({ timezone: 'UTC' });
      }
    },
  );

  const queryCases = ['keyId', 'severity', 'detector', 'status', 'since', 'until', 'limit', 'cursor'].flatMap(
    (param) => HOSTILE_ENTRIES.map(([label, value]) => ({ param, label, value })),
  );
  test.each(queryCases)(
    'GET /v1/alerts with $param = $label answers without a server error',
    async ({ param, label, value }) => {
      const response = await t.as('read', {
        method: 'GET',
        url: `/v1/alerts?${param}=${encodeURIComponent(value)}`,
      });
      const acceptedAsText = param === 'keyId' && label !== 'nul' && label !== 'veryLong';
      if (acceptedAsText) {
        expect(response.statusCode).toBe(200);
        expect(bodyOf(response)).toEqual({ items: [], nextCursor: null });
      } else {
        expectRefused(response, 400);
      }
    },
  );

  test.each(HOSTILE_ENTRIES)(
    'a note that is %s is stored as inert text, or refused',
    async (label, value) => {
      const alert = makeAlert();
      await seedAlerts(t.store, [alert]);
      const response = await t.as('write', {
        method: 'PATCH',
        url: `/v1/alerts/${alert.id}`,
        payload: { status: 'acknowledged', note: value },
      });
      if (label === 'nul' || label === 'veryLong') {
        expectRefused(response, 400);
      } else {
        expect(response.statusCode).toBe(200);
        expect((await t.store.getAlert(alert.id))?.statusHistory[0]?.note).toBe(value);
      }
    },
  );

  test.each(HOSTILE_ENTRIES)('a time zone that is %s is refused with 400', async (_label, value) => {
    const response = await t.as('admin', {
      method: 'PUT',
      url: '/v1/keys/key-1/policy',
      payload: { timezone: value },
    });
    expectRefused(response, 400);
  });

  test.each(HOSTILE_ENTRIES)('a CIDR that is %s is refused with 400', async (_label, value) => {
    const response = await t.as('admin', {
      method: 'PUT',
      url: '/v1/keys/key-1/policy',
      payload: { allowCidrs: [value] },
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toMatch(/^KW_ERR_(BAD_REQUEST|INVALID_CIDR)$/);
  });
});

describe('requests that are odd in themselves', () => {
  const odd: Array<[string, InjectOptions]> = [
    ['a query string repeated 1000 times', { method: 'GET', url: `/v1/alerts?${'limit=1&'.repeat(1000)}` }],
    ['a 16 KB query value', { method: 'GET', url: `/v1/alerts?keyId=${'k'.repeat(16_384)}` }],
    ['a query with brackets', { method: 'GET', url: '/v1/alerts?keyId[$ne]=x' }],
    ['a query key __proto__', { method: 'GET', url: '/v1/alerts?__proto__=1' }],
    [
      'a Content-Length that lies',
      {
        method: 'PATCH',
        url: `/v1/alerts/${ALERT.id}`,
        headers: { 'content-type': 'application/json', 'content-length': '5' },
        payload: '{"status":"open"}',
      },
    ],
  ];
  test.each(odd)('answers %s with a 4xx KW_ERR code', async (_label, options) => {
    const response = await t.as('write', options);
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(errorOf(response).code).toMatch(/^KW_ERR_[A-Z_]+$/);
  });
});
