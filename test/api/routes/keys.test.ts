import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { KeyProfile, KeySummary } from '../../../src/service/types.js';
import { bodyOf, buildTestApp, errorOf, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

const BASE_TS = Date.parse('2026-01-05T09:00:00.000Z');

/** Ingests a few ordinary events for each key so the runtime knows them. */
async function seeKeys(...keyIds: string[]): Promise<void> {
  const events = keyIds.flatMap((keyId) =>
    [0, 1, 2].map((minute) => ({
      ts: BASE_TS + minute * 60_000,
      keyId,
      ip: '81.2.69.160',
      method: 'GET',
      path: '/v1/rooms',
    })),
  );
  const response = await t.as('write', { method: 'POST', url: '/v1/events', payload: events });
  expect(bodyOf(response)).toMatchObject({ accepted: events.length, rejected: [] });
}

describe('GET /v1/keys', () => {
  test('lists the keys seen, in pages joined by the cursor', async () => {
    await seeKeys('key-a', 'key-b', 'key-c');
    const first = await t.as('read', { method: 'GET', url: '/v1/keys?limit=2' });
    expect(first.statusCode).toBe(200);
    const page = bodyOf<{ items: KeySummary[]; nextCursor: string | null }>(first);
    expect(page.items.map((key) => key.keyId)).toEqual(['key-a', 'key-b']);
    expect(page.items[0]).toMatchObject({ keyId: 'key-a', events: 3 });
    const second = await t.as('read', { method: 'GET', url: `/v1/keys?limit=2&cursor=${page.nextCursor}` });
    const rest = bodyOf<{ items: KeySummary[]; nextCursor: string | null }>(second);
    expect(rest.items.map((key) => key.keyId)).toEqual(['key-c']);
    expect(rest.nextCursor).toBeNull();
  });

  test.each(['limit=0', 'limit=501', 'limit=-1', 'limit=0x10', 'cursor=', 'cursor=%00', 'sort=keyId'])(
    'refuses the query %s with 400',
    async (query) => {
      const response = await t.as('read', { method: 'GET', url: `/v1/keys?${query}` });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
    },
  );
});

describe('GET /v1/keys/:keyId', () => {
  test('answers the profile with its learned state and policy', async () => {
    await seeKeys('key-a');
    const response = await t.as('read', { method: 'GET', url: '/v1/keys/key-a' });
    expect(response.statusCode).toBe(200);
    const profile = bodyOf<KeyProfile>(response);
    expect(profile).toMatchObject({ keyId: 'key-a', events: 3, policy: {} });
    expect(typeof profile.timezone).toBe('string');
    expect(typeof profile.profile).toBe('object');
    expect(Array.isArray(profile.clients)).toBe(true);
  });

  test('finds a key whose id needs percent-encoding in the path', async () => {
    const keyId = 'team/app key#1';
    await seeKeys(keyId);
    const response = await t.as('read', { method: 'GET', url: `/v1/keys/${encodeURIComponent(keyId)}` });
    expect(response.statusCode).toBe(200);
    expect(bodyOf<KeyProfile>(response).keyId).toBe(keyId);
  });

  test('answers 404 for a key never seen', async () => {
    const response = await t.as('read', { method: 'GET', url: '/v1/keys/never-seen' });
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).code).toBe('KW_ERR_NOT_FOUND');
  });

  test('accepts a key id of 256 characters and refuses one of 257', async () => {
    const ok = await t.as('read', { method: 'GET', url: `/v1/keys/${'k'.repeat(256)}` });
    expect(ok.statusCode).toBe(404);
    const tooLong = await t.as('read', { method: 'GET', url: `/v1/keys/${'k'.repeat(257)}` });
    expect(tooLong.statusCode).toBe(400);
    expect(errorOf(tooLong).message).toContain('params.keyId');
  });

  test.each(['%00', 'a%0Ab', '%7F'])('refuses the key id %s with control characters', async (keyId) => {
    const response = await t.as('read', { method: 'GET', url: `/v1/keys/${keyId}` });
    expect(response.statusCode).toBe(400);
  });
});

describe('PUT /v1/keys/:keyId/policy', () => {
  const policy = {
    timezone: 'Europe/Paris',
    businessHours: { days: [1, 2, 3, 4, 5], startHour: 8, endHour: 19 },
    allowCidrs: ['81.2.69.0/24', '2001:db8::/32'],
    allowCountries: ['FR'],
  };

  test('stores the policy and answers it', async () => {
    const response = await t.as('admin', { method: 'PUT', url: '/v1/keys/key-a/policy', payload: policy });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual(policy);
    expect(await t.store.getPolicy('key-a')).toEqual(policy);
  });

  test.each([
    [{ timezone: 'Mars/Olympus_Mons' }, 'KW_ERR_BAD_REQUEST', 'timezone'],
    [{ timezone: '../../etc/passwd' }, 'KW_ERR_BAD_REQUEST', 'timezone'],
    [{ allowCidrs: ['10.0.0.0/33'] }, 'KW_ERR_INVALID_CIDR', '10.0.0.0/33'],
    [{ allowCidrs: ["' OR 1=1 --"] }, 'KW_ERR_INVALID_CIDR', 'OR 1=1'],
    [{ allowCidrs: ['10.0.0.0/8', 'ab'] }, 'KW_ERR_BAD_REQUEST', 'body.allowCidrs[1]'],
    [{ allowCountries: ['fr'] }, 'KW_ERR_BAD_REQUEST', 'body.allowCountries[0]'],
    [
      { businessHours: { days: [7], startHour: 8, endHour: 18 } },
      'KW_ERR_BAD_REQUEST',
      'body.businessHours.days[0]',
    ],
    [{ businessHours: { days: [1], startHour: 8 } }, 'KW_ERR_BAD_REQUEST', '"endHour"'],
    [{ revoked: 'yes' }, 'KW_ERR_BAD_REQUEST', 'body.revoked'],
    [{ colour: 'red' }, 'KW_ERR_BAD_REQUEST', '"colour"'],
    [{ '<script>alert(1)</script>': true }, 'KW_ERR_BAD_REQUEST', 'unknown field'],
  ])('refuses the policy %j with %s naming %s', async (payload, code, field) => {
    const response = await t.as('admin', { method: 'PUT', url: '/v1/keys/key-a/policy', payload });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toEqual({ code, message: expect.stringContaining(field) });
    expect(await t.store.getPolicy('key-a')).toBeUndefined();
  });
});

describe('POST /v1/keys/:keyId/revoke', () => {
  test('marks the key revoked, keeping the rest of its policy', async () => {
    await t.as('admin', { method: 'PUT', url: '/v1/keys/key-a/policy', payload: { timezone: 'Asia/Tokyo' } });
    const response = await t.as('admin', { method: 'POST', url: '/v1/keys/key-a/revoke' });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ timezone: 'Asia/Tokyo', revoked: true });
    expect(await t.store.getPolicy('key-a')).toEqual({ timezone: 'Asia/Tokyo', revoked: true });
  });

  test('can revoke a leaked key before it is ever seen', async () => {
    const response = await t.as('admin', { method: 'POST', url: '/v1/keys/not-seen-yet/revoke' });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ revoked: true });
  });
});
