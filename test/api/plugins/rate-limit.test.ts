import { afterEach, beforeEach, describe, expect, test } from 'vitest';
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
});
