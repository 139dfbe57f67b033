import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildTestApp, errorOf, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('GET /metrics', () => {
  test('answers the Prometheus text exposition to a read token', async () => {
    t.metrics.eventsAccepted.inc({ source: 'http' }, 3);
    const response = await t.as('read', { method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(t.metrics.registry.contentType);
    expect(response.body).toContain('# TYPE keywatch_events_accepted_total counter');
    expect(response.body).toContain('keywatch_events_accepted_total{source="http"} 3');
  });

  test('needs a token', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(401);
    expect(errorOf(response).code).toBe('KW_ERR_UNAUTHORIZED');
  });
});
