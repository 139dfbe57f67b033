import { afterEach, describe, expect, test } from 'vitest';
import type { Alert } from '../../src/engine/types.js';
import type { KeyProfile } from '../../src/service/types.js';
import { bodyOf, buildTestApp, type TestApp } from './helper.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const BASE = Date.parse('2026-01-05T09:00:00Z');
const DAY = 86_400_000;

/** Two weeks of office-hours use from one UK address, then a burst from North Korean addresses. */
function leakScenario(): string {
  const lines: string[] = [];
  for (let day = 0; day < 14; day++) {
    for (let slot = 0; slot < 40; slot++) {
      const ts = new Date(BASE + day * DAY + slot * 600_000).toISOString();
      lines.push(JSON.stringify({ ts, keyId: 'key-a', ip: '81.2.69.160', method: 'GET', path: '/v1/rooms' }));
    }
  }
  for (let index = 1; index <= 10; index++) {
    const ts = new Date(BASE + 14 * DAY + 5 * 3_600_000 + index * 1000).toISOString();
    lines.push(
      JSON.stringify({ ts, keyId: 'key-a', ip: `175.45.176.${index}`, method: 'GET', path: '/v1/people' }),
    );
  }
  return lines.join('\n');
}

describe('buildApp', () => {
  test('builds a ready app that does not listen', async () => {
    t = await buildTestApp();
    expect(t.app.server.listening).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  test('takes a leak from ingest to alert, triage and a learned allowlist, through the API alone', async () => {
    t = await buildTestApp({ config: { maxEventsPerRequest: 1000, bodyLimitBytes: 1_000_000 } });
    const ingest = await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: leakScenario(),
    });
    expect(bodyOf(ingest)).toEqual({ accepted: 570, rejected: [] });

    const page = bodyOf<{ items: Alert[] }>(
      await t.as('read', { method: 'GET', url: '/v1/alerts?keyId=key-a' }),
    );
    expect(page.items).toHaveLength(1);
    const alert = page.items[0]!;
    expect(alert).toMatchObject({ keyId: 'key-a', detector: 'unfamiliar-ip', status: 'open' });
    expect(alert.ips).toContain('175.45.176.1');
    // The evidence reaches the client whole, baseline included, as the engine stored it.
    expect(alert.evidence).toEqual((await t.store.getAlert(alert.id))?.alert.evidence);
    expect(JSON.stringify(alert.evidence)).toContain('"baseline"');

    const detail = bodyOf<{ alert: Alert; timeline: unknown[] }>(
      await t.as('read', { method: 'GET', url: `/v1/alerts/${alert.id}` }),
    );
    expect(detail.alert.id).toBe(alert.id);
    expect(detail.timeline.length).toBeGreaterThan(0);

    const triage = await t.as('write', {
      method: 'PATCH',
      url: `/v1/alerts/${alert.id}`,
      payload: { status: 'false_positive', note: 'partner office in Pyongyang' },
    });
    expect(bodyOf<Alert>(triage).status).toBe('false_positive');
    const key = bodyOf<KeyProfile>(await t.as('read', { method: 'GET', url: '/v1/keys/key-a' }));
    expect(key.policy.allowCidrs).toContain('175.45.176.0/24');
    expect(key.openAlerts).toBe(0);

    await t.as('admin', { method: 'POST', url: '/v1/keys/key-a/revoke' });
    const revoked = bodyOf<KeyProfile>(await t.as('read', { method: 'GET', url: '/v1/keys/key-a' }));
    expect(revoked.revoked).toBe(true);
    expect(revoked.policy.revoked).toBe(true);
  });
});
