import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { bodyOf, buildTestApp, errorOf, TEST_SERVER_CONFIG, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

const TS = Date.parse('2026-01-05T09:00:00.000Z');
const event = (keyId = 'key-a', minute = 0) => ({ ts: TS + minute * 60_000, keyId, ip: '81.2.69.160' });
const NDJSON = { 'content-type': 'application/x-ndjson' };

interface IngestAnswer {
  accepted: number;
  rejected: Array<{ index: number; reason: string; message: string }>;
}

describe('POST /v1/events', () => {
  test('accepts one event sent as a JSON object', async () => {
    const response = await t.as('write', { method: 'POST', url: '/v1/events', payload: event() });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ accepted: 1, rejected: [] });
  });

  test('accepts a JSON array and lists each bad element by its index', async () => {
    const payload = [
      event('key-a', 0),
      { keyId: 'key-a', ip: '81.2.69.160' },
      'not an object',
      event('key-a', 1),
    ];
    const response = await t.as('write', { method: 'POST', url: '/v1/events', payload });
    expect(response.statusCode).toBe(200);
    const answer = bodyOf<IngestAnswer>(response);
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((rejection) => rejection.index)).toEqual([1, 2]);
    for (const rejection of answer.rejected) {
      expect(rejection.reason).toMatch(/^[a-z_]+$/);
      expect(rejection.message.length).toBeGreaterThan(0);
    }
  });

  test('reads NDJSON line by line: a bad line is a rejection at its line number - 1', async () => {
    const payload = [
      JSON.stringify(event('key-a', 0)),
      '',
      '{"ts": oops',
      JSON.stringify(event('key-a', 1)),
      '   ',
      '[1,2]',
      '',
    ].join('\r\n');
    const response = await t.as('write', { method: 'POST', url: '/v1/events', headers: NDJSON, payload });
    expect(response.statusCode).toBe(200);
    const answer = bodyOf<IngestAnswer>(response);
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((rejection) => [rejection.index, rejection.reason])).toEqual([
      [2, 'bad_json'],
      [5, 'not_an_object'],
    ]);
  });

  test('accepts application/ndjson with a charset parameter as NDJSON', async () => {
    const response = await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/ndjson; charset=utf-8' },
      payload: `${JSON.stringify(event())}\n`,
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ accepted: 1, rejected: [] });
  });

  test('accepts an empty array as nothing to do', async () => {
    const response = await t.as('write', { method: 'POST', url: '/v1/events', payload: [] });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ accepted: 0, rejected: [] });
  });

  test.each([
    ['{"ts": 1, "keyId": ', 'application/json'],
    ['not json at all', 'application/json'],
    ['{"__proto__": {"admin": true}}', 'application/json'],
    ['', 'application/json'],
  ])('refuses the body %j sent as %s with 400', async (payload, type) => {
    const response = await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': type },
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
  });

  test.each(['"a string"', '42', 'null', 'true'])('refuses the JSON scalar %s with 400', async (payload) => {
    const response = await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toBe('body must be an object or an array');
  });

  test.each([
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
  ])('refuses the content type %s with 415', async (type) => {
    const response = await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': type },
      payload: 'ts=1',
    });
    expect(response.statusCode).toBe(415);
    expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
  });

  test('refuses more events than maxEventsPerRequest with 413, in a JSON array', async () => {
    const payload = Array.from({ length: TEST_SERVER_CONFIG.maxEventsPerRequest + 1 }, (_, minute) =>
      event('key-a', minute),
    );
    const response = await t.as('write', { method: 'POST', url: '/v1/events', payload });
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).code).toBe('KW_ERR_PAYLOAD_TOO_LARGE');
  });

  test('refuses more events than maxEventsPerRequest with 413, in NDJSON', async () => {
    const payload = Array.from({ length: TEST_SERVER_CONFIG.maxEventsPerRequest + 1 }, () => '{}').join('\n');
    const response = await t.as('write', { method: 'POST', url: '/v1/events', headers: NDJSON, payload });
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).code).toBe('KW_ERR_PAYLOAD_TOO_LARGE');
  });

  test('accepts exactly maxEventsPerRequest events', async () => {
    const payload = Array.from({ length: TEST_SERVER_CONFIG.maxEventsPerRequest }, (_, minute) =>
      event('key-a', minute),
    );
    const response = await t.as('write', { method: 'POST', url: '/v1/events', payload });
    expect(response.statusCode).toBe(200);
    expect(bodyOf<IngestAnswer>(response).accepted).toBe(TEST_SERVER_CONFIG.maxEventsPerRequest);
  });

  test.each([
    [
      'a JSON body',
      'application/json',
      JSON.stringify([{ pad: 'x'.repeat(TEST_SERVER_CONFIG.bodyLimitBytes) }]),
    ],
    [
      'an NDJSON body',
      'application/x-ndjson',
      `{"pad":"${'x'.repeat(TEST_SERVER_CONFIG.bodyLimitBytes)}"}\n`,
    ],
  ])('refuses %s larger than the body limit with 413', async (_label, type, payload) => {
    const response = await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': type },
      payload,
    });
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).code).toBe('KW_ERR_PAYLOAD_TOO_LARGE');
  });

  test('turns hostile field values into rejections or accepted events, never a failed request', async () => {
    const hostile = [
      "' OR 1=1 --",
      '<script>alert(1)</script>',
      '../../etc/passwd',
      'a\u0000b',
      'x'.repeat(5000),
    ];
    const payload = hostile.flatMap((value) => [
      { ts: TS, keyId: value, ip: '81.2.69.160' },
      { ts: TS, keyId: 'key-a', ip: value },
      { ts: value, keyId: 'key-a', ip: '81.2.69.160' },
      { ts: TS, keyId: 'key-a', ip: '81.2.69.160', path: value, userAgent: value },
    ]);
    const response = await t.as('write', { method: 'POST', url: '/v1/events', payload });
    expect(response.statusCode).toBe(200);
    const answer = bodyOf<IngestAnswer>(response);
    expect(answer.accepted + answer.rejected.length).toBe(payload.length);
  });
});
