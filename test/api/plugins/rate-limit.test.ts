import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { trustedProxies } from '../../../src/api/app.js';
import { overridesFromEnv } from '../../../src/config/env.js';
import { loadConfig } from '../../../src/config/load.js';
import { buildTestApp, errorOf, type TestApp } from '../helper.js';

const MAX = 3;
let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ config: { rateLimit: { max: MAX, timeWindowMs: 60_000 } } });
});
afterEach(async () => {
  await t.close();
});

describe('rate limiting', () => {
  test('answers 429 KW_ERR_RATE_LIMITED with Retry-After once a token spends its budget', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      statuses.push((await t.as('read', { method: 'GET', url: '/v1/alerts' })).statusCode);
    }
    const allowed = statuses.filter((status) => status === 200).length;
    // The first request of a token counts against its address, before the token is known good.
    expect(allowed).toBeGreaterThanOrEqual(MAX);
    expect(allowed).toBeLessThanOrEqual(MAX + 1);
    expect(statuses.slice(allowed).every((status) => status === 429)).toBe(true);
    const refused = await t.as('read', { method: 'GET', url: '/v1/alerts' });
    expect(errorOf(refused).code).toBe('KW_ERR_RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('gives each token its own budget, so one busy client does not starve another', async () => {
    for (let attempt = 0; attempt < MAX + 2; attempt++)
      await t.as('read', { method: 'GET', url: '/v1/alerts' });
    expect((await t.as('read', { method: 'GET', url: '/v1/alerts' })).statusCode).toBe(429);
    expect((await t.as('write', { method: 'GET', url: '/v1/alerts' })).statusCode).toBe(200);
  });

  test('counts unverified tokens against the address, so guessing tokens buys no budget', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < MAX + 2; attempt++) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/v1/alerts',
        headers: { authorization: `Bearer kw_guess-${attempt}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const elsewhere = await t.app.inject({ method: 'GET', url: '/v1/alerts', remoteAddress: '198.51.100.7' });
    expect(elsewhere.statusCode).toBe(401);
  });

  test('limits requests for routes that do not exist', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < MAX + 1; attempt++) {
      statuses.push((await t.app.inject({ method: 'GET', url: `/wp-admin/${attempt}` })).statusCode);
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
  });

  test('counts clients behind a trusted proxy by the address X-Forwarded-For names, and nobody else’s', async () => {
    const proxied = await buildTestApp({
      config: { rateLimit: { max: 2, timeWindowMs: 60_000 }, trustProxy: ['10.0.0.0/8'] },
    });
    try {
      const from = (remoteAddress: string, client: string) =>
        proxied.app.inject({
          method: 'GET',
          url: '/v1/alerts',
          remoteAddress,
          headers: { 'x-forwarded-for': client },
        });
      // Through the load balancer: each client has its own budget.
      const first = [await from('10.1.2.3', '203.0.113.1'), await from('10.1.2.3', '203.0.113.1')];
      expect(first.map((response) => response.statusCode)).toEqual([401, 401]);
      expect((await from('10.1.2.3', '203.0.113.1')).statusCode).toBe(429);
      expect((await from('10.1.2.3', '203.0.113.2')).statusCode).toBe(401);
      // From an address that is not a trusted proxy the header is ignored: one budget for the sender.
      expect((await from('198.51.100.9', '203.0.113.3')).statusCode).toBe(401);
      expect((await from('198.51.100.9', '203.0.113.4')).statusCode).toBe(401);
      expect((await from('198.51.100.9', '203.0.113.5')).statusCode).toBe(429);
    } finally {
      await proxied.close();
    }
  });

  test('stops start-up naming server.trustProxy when a range is not one', () => {
    expect(() => trustedProxies(['10.0.0.0/33'])).toThrow(/"server\.trustProxy"/);
    expect(trustedProxies([])).toBeUndefined();
    const trusted = trustedProxies(['10.0.0.0/8', '2001:db8::/32'])!;
    expect(
      ['10.9.8.7', '2001:db8::1', '11.0.0.1', 'not-an-address'].map((address) => trusted(address)),
    ).toEqual([true, true, false, false]);
  });

  test('reads KEYWATCH_TRUST_PROXY as a comma-separated list', () => {
    const config = loadConfig({
      overrides: overridesFromEnv({ KEYWATCH_TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' }),
    });
    expect(config.server.trustProxy).toEqual(['10.0.0.0/8', '192.0.2.1']);
    expect(loadConfig().server.trustProxy).toEqual([]);
  });
});
