import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { answerFor } from '../../../src/api/plugins/errors.js';
import { KeywatchError } from '../../../src/errors.js';
import { bodyOf, buildTestApp, errorOf, type TestApp } from '../helper.js';

describe('answerFor', () => {
  test.each([
    [
      new KeywatchError('KW_ERR_NOT_FOUND', 'No alert with this id'),
      404,
      'KW_ERR_NOT_FOUND',
      'No alert with this id',
    ],
    [
      new KeywatchError('KW_ERR_INVALID_CIDR', '"x" is not a valid CIDR'),
      400,
      'KW_ERR_INVALID_CIDR',
      '"x" is not a valid CIDR',
    ],
    [new KeywatchError('KW_ERR_CONFLICT', 'busy'), 409, 'KW_ERR_CONFLICT', 'busy'],
    [
      new KeywatchError('KW_ERR_UNAVAILABLE', 'shutting down'),
      503,
      'KW_ERR_UNAVAILABLE',
      'The service is not ready',
    ],
    [
      new KeywatchError('KW_ERR_STORE', 'INSERT INTO alerts failed: SQLITE_FULL /var/lib/kw.db'),
      500,
      'KW_ERR_STORE',
      'The store failed',
    ],
    [
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      500,
      'KW_ERR_INTERNAL',
      'An internal error occurred',
    ],
    ['a thrown string', 500, 'KW_ERR_INTERNAL', 'An internal error occurred'],
    [null, 500, 'KW_ERR_INTERNAL', 'An internal error occurred'],
    [
      Object.assign(new Error("'%zz' is not a valid url component"), {
        statusCode: 400,
        code: 'FST_ERR_BAD_URL',
      }),
      400,
      'KW_ERR_BAD_REQUEST',
      'The URL has a malformed percent-encoding',
    ],
    [
      Object.assign(new Error('x'), { statusCode: 414 }),
      414,
      'KW_ERR_BAD_REQUEST',
      'The request is not valid',
    ],
  ])('answers %s as %i %s', (error, status, code, message) => {
    expect(answerFor(error)).toEqual({ status, code, message });
  });
});

describe('the error handler', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  test('answers an unexpected failure with a generic 500, never its message or stack', async () => {
    vi.spyOn(t.runtime, 'listKeys').mockRejectedValue(
      new Error('SQLITE_CORRUPT: database disk image is malformed at /srv/kw.db'),
    );
    const response = await t.as('read', { method: 'GET', url: '/v1/keys' });
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: { code: 'KW_ERR_INTERNAL', message: 'An internal error occurred' },
    });
  });

  test('answers a coded client error thrown by the runtime with its status', async () => {
    vi.spyOn(t.runtime, 'ingest').mockRejectedValue(
      new KeywatchError('KW_ERR_UNAVAILABLE', 'Keywatch is shutting down'),
    );
    const response = await t.as('write', { method: 'POST', url: '/v1/events', payload: [] });
    expect(response.statusCode).toBe(503);
    expect(errorOf(response).code).toBe('KW_ERR_UNAVAILABLE');
  });

  test.each(['/nope', '/v1', '/v1/alerts/kw_000000000000000000000001/extra', '/v1/../etc/passwd', '/%00'])(
    'answers the unknown route %s with 404 KW_ERR_NOT_FOUND',
    async (url) => {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(errorOf(response).code).toBe('KW_ERR_NOT_FOUND');
    },
  );

  test('answers a known path with a method it does not support with 404', async () => {
    const response = await t.as('admin', { method: 'DELETE', url: '/v1/alerts' });
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).code).toBe('KW_ERR_NOT_FOUND');
  });

  test('answers a malformed percent-encoding in the path with 400 KW_ERR_BAD_REQUEST', async () => {
    const response = await t.as('read', { method: 'GET', url: '/v1/keys/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('KW_ERR_BAD_REQUEST');
  });
});
