import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Runtime } from '../../../src/service/runtime.js';
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

  test('labels events by where they came from: Kafka batches (with offsets) and HTTP', async () => {
    const event = (ip: string) => ({ ts: '2026-11-03T09:10:12.000Z', keyId: 'k-metrics', ip });
    const runtime = t.runtime as Runtime;
    await runtime.process(
      [event('81.2.69.160'), { ts: '2026-11-03T09:10:12.000Z', ip: '81.2.69.160' }],
      [{ group: 'keywatch', topic: 'access-logs', partition: 0, offset: '2' }],
    );
    await runtime.ingest([event('81.2.69.161')]);
    const body = (await t.as('read', { method: 'GET', url: '/metrics' })).body;
    expect(body).toContain('keywatch_events_accepted_total{source="kafka"} 1');
    expect(body).toContain('keywatch_events_accepted_total{source="http"} 1');
    expect(body).toContain('keywatch_events_rejected_total{source="kafka",reason="missing_key_id"} 1');
  });

  test('needs a token', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(401);
    expect(errorOf(response).code).toBe('KW_ERR_UNAUTHORIZED');
  });
});
