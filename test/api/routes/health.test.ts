import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { bodyOf, buildTestApp, errorOf, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ config: { rateLimit: { max: 2, timeWindowMs: 60_000 } } });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t.close();
});

describe('GET /healthz', () => {
  test('answers 200 ok without a token', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'ok' });
  });

  test('answers 200 even when the runtime is not ready', async () => {
    vi.spyOn(t.runtime, 'ready').mockResolvedValue(false);
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
  });

  test('is never rate limited, so probes cannot get a healthy process restarted', async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    }
  });
});

describe('GET /readyz', () => {
  test('answers 200 without a token when the runtime is ready', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'ready' });
  });

  test('answers 503 KW_ERR_UNAVAILABLE when the runtime is not ready', async () => {
    vi.spyOn(t.runtime, 'ready').mockResolvedValue(false);
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(errorOf(response).code).toBe('KW_ERR_UNAVAILABLE');
  });

  test('answers 503 when the readiness check itself fails', async () => {
    vi.spyOn(t.runtime, 'ready').mockRejectedValue(new Error('database is locked'));
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('locked');
  });
});
