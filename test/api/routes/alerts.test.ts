import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Alert } from '../../../src/engine/types.js';
import { bodyOf, buildTestApp, errorOf, makeAlert, seedAlerts, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

interface Page {
  items: Alert[];
  nextCursor: string | null;
}

describe('GET /v1/alerts', () => {
  test('lists alerts newest first with the evidence passed through whole', async () => {
    const older = makeAlert({ ts: '2026-11-01T00:00:00.000Z' });
    const newer = makeAlert({ ts: '2026-11-02T00:00:00.000Z' });
    await seedAlerts(t.store, [older, newer]);
    const response = await t.as('read', { method: 'GET', url: '/v1/alerts' });
    expect(response.statusCode).toBe(200);
    const page = bodyOf<Page>(response);
    expect(page.items.map((alert) => alert.id)).toEqual([newer.id, older.id]);
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).toEqual(newer);
    expect(page.items[0]!.evidence).toEqual({
      'unfamiliar-ip': {
        network: '175.45.176.0/24',
        known: { '81.2.69.0/24': 412 },
        nested: { list: [1, { a: 2 }] },
      },
    });
  });

  test('pages through every alert with the cursor, each exactly once', async () => {
    const alerts = Array.from({ length: 7 }, (_, index) =>
      makeAlert({ ts: `2026-11-0${index + 1}T00:00:00.000Z` }),
    );
    await seedAlerts(t.store, alerts);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? 'limit=3' : `limit=3&cursor=${cursor}`;
      const response = await t.as('read', { method: 'GET', url: `/v1/alerts?${query}` });
      expect(response.statusCode).toBe(200);
      const page = bodyOf<Page>(response);
      seen.push(...page.items.map((alert) => alert.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(alerts.map((alert) => alert.id).reverse());
  });

  test('filters by key, minimum severity, detector and status', async () => {
    const match = makeAlert({
      keyId: 'key-a',
      severity: 'critical',
      detectors: ['unfamiliar-ip', 'odd-hours'],
    });
    await seedAlerts(t.store, [
      match,
      makeAlert({ keyId: 'key-b', severity: 'critical', detectors: ['odd-hours'] }),
      makeAlert({ keyId: 'key-a', severity: 'low', detectors: ['odd-hours'] }),
      makeAlert({ keyId: 'key-a', severity: 'critical', detectors: ['usage-spike'] }),
      makeAlert({ keyId: 'key-a', severity: 'critical', detectors: ['odd-hours'], status: 'closed' }),
    ]);
    const response = await t.as('read', {
      method: 'GET',
      url: '/v1/alerts?keyId=key-a&severity=high&detector=odd-hours&status=open',
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf<Page>(response).items.map((alert) => alert.id)).toEqual([match.id]);
  });

  test('bounds by since (inclusive) and until (exclusive), also when written with an offset', async () => {
    const before = makeAlert({ ts: '2026-11-03T07:59:59.999Z' });
    const atStart = makeAlert({ ts: '2026-11-03T08:00:00.000Z' });
    const atEnd = makeAlert({ ts: '2026-11-03T09:00:00.000Z' });
    await seedAlerts(t.store, [before, atStart, atEnd]);
    const response = await t.as('read', {
      method: 'GET',
      url: `/v1/alerts?since=${encodeURIComponent('2026-11-03T10:00:00+02:00')}&until=2026-11-03T09:00:00Z`,
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf<Page>(response).items.map((alert) => alert.id)).toEqual([atStart.id]);
  });

  test.each([
    ['limit=0', 'querystring.limit'],
    ['limit=501', 'querystring.limit'],
    ['limit=ten', 'querystring.limit'],
    ['limit=1.5', 'querystring.limit'],
    ['severity=urgent', 'querystring.severity'],
    ['status=deleted', 'querystring.status'],
    ['since=yesterday', 'querystring.since'],
    ['until=2026-13-01T00:00:00Z', 'querystring.until'],
    ['detector=Odd%20Hours', 'querystring.detector'],
    ['keyId=', 'querystring.keyId'],
    ['keyId=a&keyId=b', 'querystring.keyId'],
    ['colour=red', '"colour"'],
    ['cursor=%3Cscript%3E', 'querystring.cursor'],
  ])('refuses the query %s with 400 naming %s', async (query, field) => {
    const response = await t.as('read', { method: 'GET', url: `/v1/alerts?${query}` });
    expect(response.statusCode).toBe(400);
    const error = errorOf(response);
    expect(error.code).toBe('KW_ERR_BAD_REQUEST');
    expect(error.message).toContain(field);
  });

  test('refuses a cursor that is well formed but was never issued', async () => {
    const forged = Buffer.from('{"v":9}').toString('base64url');
    const response = await t.as('read', { method: 'GET', url: `/v1/alerts?cursor=${forged}` });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
  });

  test('treats an injection string in a filter as a value that matches nothing', async () => {
    await seedAlerts(t.store, [makeAlert()]);
    const response = await t.as('read', {
      method: 'GET',
      url: `/v1/alerts?keyId=${encodeURIComponent("' OR 1=1 --")}`,
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf<Page>(response).items).toEqual([]);
  });
});

describe('GET /v1/alerts/:id', () => {
  test('answers the alert with its timeline and status history', async () => {
    const alert = makeAlert();
    await seedAlerts(t.store, [alert]);
    await t.as('write', {
      method: 'PATCH',
      url: `/v1/alerts/${alert.id}`,
      payload: { status: 'acknowledged' },
    });
    const response = await t.as('read', { method: 'GET', url: `/v1/alerts/${alert.id}` });
    expect(response.statusCode).toBe(200);
    const detail = bodyOf<{ alert: Alert; timeline: unknown[]; statusHistory: Array<{ status: string }> }>(
      response,
    );
    expect(detail.alert).toEqual({ ...alert, status: 'acknowledged' });
    expect(detail.timeline).toHaveLength(1);
    expect(detail.statusHistory.map((change) => change.status)).toEqual(['acknowledged']);
  });

  test('answers 404 KW_ERR_NOT_FOUND for an id that names no alert', async () => {
    const response = await t.as('read', { method: 'GET', url: '/v1/alerts/kw_ffffffffffffffffffffffff' });
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).code).toBe('KW_ERR_NOT_FOUND');
  });

  test.each([
    'kw_123',
    'KW_000000000000000000000001',
    '..%2F..%2Fetc%2Fpasswd',
    '%00',
    `kw_${'0'.repeat(25)}`,
    '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  ])('refuses the malformed id %s with 400', async (id) => {
    const response = await t.as('read', { method: 'GET', url: `/v1/alerts/${id}` });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toContain('params.id');
  });
});

describe('PATCH /v1/alerts/:id', () => {
  test('sets the status with the note, recording the token name as the actor', async () => {
    const alert = makeAlert();
    await seedAlerts(t.store, [alert]);
    const response = await t.as('write', {
      method: 'PATCH',
      url: `/v1/alerts/${alert.id}`,
      payload: { status: 'false_positive', note: 'our new office' },
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf<Alert>(response)).toEqual({ ...alert, status: 'false_positive' });
    const stored = await t.store.getAlert(alert.id);
    expect(stored?.statusHistory).toEqual([
      { status: 'false_positive', note: 'our new office', actor: 'writer', at: expect.any(String) },
    ]);
  });

  test('answers 404 when the alert does not exist', async () => {
    const response = await t.as('write', {
      method: 'PATCH',
      url: '/v1/alerts/kw_eeeeeeeeeeeeeeeeeeeeeeee',
      payload: { status: 'resolved' },
    });
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).code).toBe('KW_ERR_NOT_FOUND');
  });

  test.each([
    [{ status: 'closed' }, 'body.status'],
    [{ status: 'deleted' }, 'body.status'],
    [{ note: 'no status' }, '"status"'],
    [{ status: 'resolved', note: 'x'.repeat(2001) }, 'body.note'],
    [{ status: 'resolved', note: 'a\u0000b' }, 'body.note'],
    [{ status: 'resolved', note: 42 }, 'body.note'],
    [{ status: 'resolved', actor: 'someone-else' }, '"actor"'],
    [{ status: ['resolved'] }, 'body.status'],
    [[{ status: 'resolved' }], 'body'],
  ])('refuses the body %j with 400 naming %s', async (payload, field) => {
    const alert = makeAlert();
    await seedAlerts(t.store, [alert]);
    const response = await t.as('write', { method: 'PATCH', url: `/v1/alerts/${alert.id}`, payload });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
    expect(errorOf(response).message).toContain(field);
    expect((await t.store.getAlert(alert.id))?.alert.status).toBe('open');
  });

  test('accepts a note of exactly 2000 characters', async () => {
    const alert = makeAlert();
    await seedAlerts(t.store, [alert]);
    const response = await t.as('write', {
      method: 'PATCH',
      url: `/v1/alerts/${alert.id}`,
      payload: { status: 'resolved', note: 'n'.repeat(2000) },
    });
    expect(response.statusCode).toBe(200);
  });
});
