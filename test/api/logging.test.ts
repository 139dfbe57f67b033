import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { apiLogger } from '../../src/api/logging.js';
import { buildTestApp, type TestApp } from './helper.js';

/** A pino logger whose lines are kept in memory. */
function capturedLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

let t: TestApp | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = undefined;
});

describe('API logs', () => {
  test('never contain the bearer token or the request body', async () => {
    const { logger, lines } = capturedLogger();
    t = await buildTestApp({ logger });
    const marker = 'BODY-MARKER-7f3a';
    await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      payload: [{ ts: Date.parse('2026-01-05T09:00:00Z'), keyId: marker, ip: '81.2.69.160', secret: marker }],
    });
    await t.as('write', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: `{${marker}`,
    });
    expect(lines.length).toBeGreaterThan(0);
    const all = lines.join('\n');
    expect(all).not.toContain(t.tokens.write);
    expect(all).not.toContain(marker);
  });

  test('record an unexpected failure with its error, while the answer stays generic', async () => {
    const { logger, lines } = capturedLogger();
    t = await buildTestApp({ logger });
    vi.spyOn(t.runtime, 'listKeys').mockRejectedValue(new Error('disk on fire'));
    const response = await t.as('read', { method: 'GET', url: '/v1/keys' });
    expect(response.body).not.toContain('disk on fire');
    const failure = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'request failed');
    expect(failure).toMatchObject({ level: 50, component: 'api', err: { message: 'disk on fire' } });
  });

  test('redact authorization headers, cookies, tokens and secrets when something logs them', () => {
    const { logger, lines } = capturedLogger();
    apiLogger(logger).info(
      {
        req: { headers: { authorization: 'Bearer kw_secret', cookie: 'session=abc' } },
        webhook: { secret: 'whsec_x' },
        token: 'kw_other',
      },
      'something',
    );
    const entry = JSON.parse(lines[0]!);
    expect(entry.req.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]' });
    expect(entry.webhook.secret).toBe('[redacted]');
    expect(entry.token).toBe('[redacted]');
  });
});
