import { afterEach, describe, expect, it, vi } from 'vitest';
import { isKeywatchError } from '../../src/errors.js';
import { createEventParser, parseNdjsonLine } from '../../src/events/parse.js';
import type { ParseResult, RejectReason } from '../../src/events/types.js';

const NOW = Date.parse('2026-11-03T10:00:00.000Z');
const TS = '2026-11-03T09:10:12.000Z';
const TS_MS = Date.parse(TS);

const parse = createEventParser({ format: 'canonical', referenceTime: () => NOW });
const base = { ts: TS, keyId: 'key-1', ip: '81.2.69.160' };

function rejection(result: ParseResult): { reason: RejectReason; message: string } {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.event)}`);
  return result.rejection;
}

function event(result: ParseResult) {
  if (!result.ok) throw new Error(`expected an event, got ${JSON.stringify(result.rejection)}`);
  return result.event;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('canonical events', () => {
  it('accepts a full event from an NDJSON line and normalises method and route', () => {
    const line = JSON.stringify({
      ...base,
      method: 'get',
      path: '/v1/messages/Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTA?max=10',
      status: 200,
      bytesOut: 1234,
      bytesIn: 0,
      userAgent: 'curl/8.5.0',
      orgId: 'org-1',
      requestId: 'req-1',
      somethingElse: { ignored: true },
    });
    expect(event(parse(line))).toEqual({
      ts: TS_MS,
      keyId: 'key-1',
      ip: '81.2.69.160',
      method: 'GET',
      path: '/v1/messages/Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTA?max=10',
      route: '/v1/messages/{id}',
      status: 200,
      bytesOut: 1234,
      bytesIn: 0,
      userAgent: 'curl/8.5.0',
      orgId: 'org-1',
      requestId: 'req-1',
    });
  });

  it('accepts an already-parsed object the same way as its line', () => {
    expect(parse({ ...base })).toEqual(parse(JSON.stringify(base)));
  });

  it.each([
    ['ISO with Z', TS, TS_MS],
    ['ISO with an offset', '2026-11-03T10:10:12+01:00', TS_MS],
    ['epoch milliseconds', TS_MS, TS_MS],
    ['fractional epoch milliseconds (floored)', TS_MS + 0.75, TS_MS],
  ])('reads ts given as %s', (_name, ts, expected) => {
    expect(event(parse({ ...base, ts })).ts).toBe(expected);
  });

  it('treats null optional fields as absent', () => {
    const parsed = event(parse({ ...base, method: null, status: null, userAgent: null }));
    expect(parsed.method).toBeUndefined();
    expect(parsed.status).toBeUndefined();
    expect(parsed.userAgent).toBeUndefined();
  });

  it('keeps the ip exactly as written', () => {
    expect(event(parse({ ...base, ip: '2A00:1450:4001:082A::200E' })).ip).toBe('2A00:1450:4001:082A::200E');
    expect(event(parse({ ...base, ip: '::ffff:81.2.69.160' })).ip).toBe('::ffff:81.2.69.160');
  });

  it('gives every event the same property order, so downstream code sees one shape', () => {
    const small = event(parse({ ip: '81.2.69.160', keyId: 'k', ts: TS }));
    const full = event(parse({ ...base, requestId: 'r', method: 'POST', status: 201 }));
    expect(Object.keys(small)).toEqual(Object.keys(full));
  });
});

describe('rejections', () => {
  const long = 'x'.repeat(5000);
  it.each<[string, unknown, RejectReason, RegExp]>([
    ['a truncated line', '{"ts": "2026', 'bad_json', /not valid JSON/],
    ['an empty line', '', 'bad_json', /not valid JSON/],
    ['an array', [base], 'not_an_object', /must be a JSON object, got an array/],
    ['a JSON number line', '42', 'not_an_object', /got a number/],
    ['a JSON null line', 'null', 'not_an_object', /got null/],
    ['no ts', { keyId: 'k', ip: '81.2.69.160' }, 'missing_ts', /^"ts" is required$/],
    ['a ts without offset', { ...base, ts: '2026-11-03T09:10:12' }, 'invalid_ts', /"ts" has no UTC offset/],
    [
      'a ts of digits in a string',
      { ...base, ts: String(TS_MS) },
      'invalid_ts',
      /"ts" is a string of digits/,
    ],
    [
      'an impossible date',
      { ...base, ts: '2026-02-30T00:00:00Z' },
      'invalid_ts',
      /"ts" is not an ISO-8601 time/,
    ],
    ['a ts in epoch seconds', { ...base, ts: 1_793_697_012 }, 'invalid_ts', /"ts" .*epoch seconds/],
    ['a non-finite ts', '{"ts": 1e999, "keyId": "k", "ip": "1.1.1.1"}', 'invalid_ts', /"ts" is not a usable/],
    ['a boolean ts', { ...base, ts: true }, 'invalid_ts', /"ts" must be .*got a boolean/],
    ['a ts before 1970', { ...base, ts: '1969-12-31T23:59:59Z' }, 'invalid_ts', /"ts" is before 1970/],
    [
      'a ts far ahead',
      { ...base, ts: '2026-11-03T10:05:01Z' },
      'future_ts',
      /"ts" is 2026-11-03T10:05:01.000Z/,
    ],
    ['no keyId', { ts: TS, ip: '81.2.69.160' }, 'missing_key_id', /^"keyId" is required$/],
    ['an empty keyId', { ...base, keyId: '' }, 'invalid_key_id', /^"keyId" is empty$/],
    ['a numeric keyId', { ...base, keyId: 42 }, 'invalid_key_id', /"keyId" must be a string, got a number/],
    ['a 257-char keyId', { ...base, keyId: 'k'.repeat(257) }, 'invalid_key_id', /longer than 256/],
    [
      'a keyId with a newline',
      { ...base, keyId: 'k\nFAKE LOG LINE' },
      'invalid_key_id',
      /control characters/,
    ],
    ['no ip', { ts: TS, keyId: 'k' }, 'missing_ip', /^"ip" is required$/],
    [
      'a hostname ip',
      { ...base, ip: 'example.com' },
      'invalid_ip',
      /"ip" is not a valid IPv4 or IPv6 address/,
    ],
    ['an ip with a port', { ...base, ip: '81.2.69.160:443' }, 'invalid_ip', /"ip" is not a valid/],
    ['an ip with spaces', { ...base, ip: ' 81.2.69.160' }, 'invalid_ip', /"ip" is not a valid/],
    ['a numeric ip', { ...base, ip: 2130706433 }, 'invalid_ip', /"ip" must be a string, got a number/],
    ['a zoned ip', { ...base, ip: 'fe80::1%eth0' }, 'invalid_ip', /"ip" is not a valid/],
    [
      'status 700',
      { ...base, status: 700 },
      'invalid_field',
      /"status" must be an integer from 100 to 599, got 700/,
    ],
    [
      'status as a string',
      { ...base, status: '200' },
      'invalid_field',
      /"status" must be an integer .*"200"/,
    ],
    ['a fractional status', { ...base, status: 200.5 }, 'invalid_field', /"status"/],
    [
      'negative bytesOut',
      { ...base, bytesOut: -1 },
      'invalid_field',
      /"bytesOut" must be an integer ≥ 0, got -1/,
    ],
    ['bytesIn as an object', { ...base, bytesIn: {} }, 'invalid_field', /"bytesIn" must be .*got an object/],
    [
      'a method with a space',
      { ...base, method: 'GET /' },
      'invalid_field',
      /"method" is not an HTTP method/,
    ],
    ['an empty method', { ...base, method: '' }, 'invalid_field', /"method" is not an HTTP method/],
    [
      'a numeric userAgent',
      { ...base, userAgent: 7 },
      'invalid_field',
      /"userAgent" must be a string, got a number/,
    ],
    ['an array path', { ...base, path: ['/v1'] }, 'invalid_field', /"path" must be a string, got an array/],
    ['a boolean orgId', { ...base, orgId: false }, 'invalid_field', /"orgId" must be a string/],
    ['a numeric requestId', { ...base, requestId: 1 }, 'invalid_field', /"requestId" must be a string/],
    ['a huge userAgent', { ...base, userAgent: long }, 'oversized_field', /"userAgent" is longer than 4096/],
    ['a huge keyId', { ...base, keyId: long }, 'oversized_field', /"keyId" is longer than 4096/],
    ['a huge ip', { ...base, ip: long }, 'oversized_field', /"ip" is longer than 4096/],
    ['a huge ts', { ...base, ts: long }, 'oversized_field', /"ts" is longer than 4096/],
    ['a huge line', `{"ts":"${'x'.repeat(70_000)}"}`, 'oversized_line', /longer than 65536 bytes/],
  ])('refuses %s', (_name, input, reason, message) => {
    const refused = rejection(parse(input));
    expect(refused.reason).toBe(reason);
    expect(refused.message).toMatch(message);
  });

  it('never repeats more than 64 characters of a hostile value', () => {
    const hostile = `${'A'.repeat(100)}<script>${'B'.repeat(3000)}`;
    for (const input of [
      { ...base, ip: hostile },
      { ...base, keyId: `\u0000${hostile}`.slice(0, 200) },
      { ...base, ts: hostile },
      { ...base, method: hostile },
      { ...base, status: hostile },
    ]) {
      const { message } = rejection(parse(input));
      expect(message).not.toContain('A'.repeat(65));
      expect(message).not.toContain('B');
      expect(message.length).toBeLessThan(200);
    }
  });

  it('refuses an oversized line without parsing it', () => {
    const spy = vi.spyOn(JSON, 'parse');
    const refused = rejection(parse(`{"ts":"${'x'.repeat(70_000)}"}`));
    expect(refused.reason).toBe('oversized_line');
    expect(spy).not.toHaveBeenCalled();
  });

  it('counts line size in UTF-8 bytes, not characters', () => {
    const small = createEventParser({ maxLineBytes: 300 });
    const userAgent = '€'.repeat(90); // 90 characters, 270 bytes
    const line = JSON.stringify({ ...base, userAgent });
    expect(line.length).toBeLessThan(300);
    expect(rejection(small(line)).reason).toBe('oversized_line');
    expect(small(JSON.stringify({ ...base, userAgent: 'e'.repeat(90) })).ok).toBe(true);
  });

  it('honours a custom field limit', () => {
    const strict = createEventParser({ maxFieldChars: 32 });
    expect(rejection(strict({ ...base, userAgent: 'x'.repeat(33) })).reason).toBe('oversized_field');
    expect(strict({ ...base, userAgent: 'x'.repeat(32) }).ok).toBe(true);
  });
});

describe('the future check', () => {
  it('accepts events up to maxFutureMs after the reference time and refuses later ones', () => {
    const strict = createEventParser({ maxFutureMs: 1000, referenceTime: () => NOW });
    expect(strict({ ...base, ts: NOW + 1000 }).ok).toBe(true);
    expect(rejection(strict({ ...base, ts: NOW + 1001 })).reason).toBe('future_ts');
  });

  it('asks for the reference time only when an event passes the last answer', () => {
    let now = NOW;
    const referenceTime = vi.fn(() => now);
    const live = createEventParser({ maxFutureMs: 0, referenceTime });
    for (let i = 0; i < 100; i++) expect(live({ ...base, ts: NOW - 1000 + i }).ok).toBe(true);
    expect(referenceTime).toHaveBeenCalledTimes(1);
    now += 5000;
    expect(live({ ...base, ts: NOW + 4000 }).ok).toBe(true);
    expect(referenceTime).toHaveBeenCalledTimes(2);
  });

  it('does no future check when no reference time is given', () => {
    const replay = createEventParser({});
    expect(replay({ ...base, ts: '2099-01-01T00:00:00Z' }).ok).toBe(true);
  });
});

describe('Kafka message bytes', () => {
  it('parses a UTF-8 buffer', () => {
    expect(event(parse(Buffer.from(JSON.stringify(base)))).keyId).toBe('key-1');
  });

  it('refuses invalid UTF-8 and oversized buffers', () => {
    expect(rejection(parse(Uint8Array.from([0x7b, 0xff, 0x7d]))).reason).toBe('bad_json');
    expect(rejection(parse(Buffer.alloc(70_000, 0x20))).reason).toBe('oversized_line');
  });
});

describe('webex-audit events', () => {
  const audit = {
    id: 'audit-1',
    actorOrgId: 'org-from-top',
    created: TS,
    actorId: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hYmM',
    data: {
      actorIp: '81.2.69.160',
      actorUserAgent: 'Mozilla/5.0',
      eventCategory: 'LOGINS',
      eventDescription: 'An admin logged in',
      actionText: 'Jane logged into organization',
      actorOrgId: 'org-from-data',
      trackingId: 'tracking-1',
      targetId: 'target-1',
    },
  };
  const parseAudit = createEventParser({ format: 'webex-audit' });

  it('maps an audit event onto the canonical fields', () => {
    expect(event(parseAudit(JSON.stringify(audit)))).toEqual({
      ts: TS_MS,
      keyId: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hYmM',
      ip: '81.2.69.160',
      method: 'AUDIT',
      path: '/audit/logins',
      route: '/audit/logins',
      userAgent: 'Mozilla/5.0',
      orgId: 'org-from-top',
      requestId: 'audit-1',
    });
  });

  it('falls back to data.actorOrgId and data.trackingId', () => {
    const { id: _id, actorOrgId: _org, ...rest } = audit;
    const parsed = event(parseAudit(rest));
    expect(parsed.orgId).toBe('org-from-data');
    expect(parsed.requestId).toBe('tracking-1');
  });

  it('normalises the category into the path', () => {
    const parsed = event(
      parseAudit({ ...audit, data: { ...audit.data, eventCategory: 'Compliance Officer' } }),
    );
    expect(parsed.path).toBe('/audit/compliance_officer');
  });

  it('names the audit field in rejections', () => {
    const refused = rejection(parseAudit({ ...audit, data: { ...audit.data, actorIp: 'nope' } }));
    expect(refused).toEqual({
      reason: 'invalid_ip',
      message: '"data.actorIp" (ip) is not a valid IPv4 or IPv6 address: "nope"',
    });
    expect(rejection(parseAudit({ ...audit, data: undefined })).reason).toBe('missing_ip');
    expect(rejection(parseAudit({ ...audit, created: undefined })).message).toBe(
      '"created" (ts) is required',
    );
  });
});

describe('mapped gateway events', () => {
  const parseGateway = createEventParser({
    format: 'mapped',
    mapping: {
      ts: 'time',
      keyId: 'client.key_id',
      ip: 'remote_addr',
      status: 'resp.code',
      bytesOut: 'bytes_sent',
      path: 'request_uri',
      userAgent: 'http_user_agent',
    },
  });
  const line = {
    time: '2026-11-03T10:10:12+01:00',
    client: { key_id: 'gw-key' },
    remote_addr: '2a00:1450:4001:82a::200e',
    resp: { code: 404 },
    bytes_sent: '512',
    request_uri: '/v1/rooms/12345?x=1',
    http_user_agent: '-',
    status: 200,
  };

  it('reads fields from dotted source paths, with nginx digit strings and "-" for absent', () => {
    expect(event(parseGateway(line))).toEqual({
      ts: TS_MS,
      keyId: 'gw-key',
      ip: '2a00:1450:4001:82a::200e',
      path: '/v1/rooms/12345?x=1',
      route: '/v1/rooms/{id}',
      status: 404,
      bytesOut: 512,
    });
  });

  it('names the source field and the canonical field in rejections', () => {
    const refused = rejection(parseGateway({ ...line, client: {} }));
    expect(refused).toEqual({ reason: 'missing_key_id', message: '"client.key_id" (keyId) is required' });
    expect(rejection(parseGateway({ ...line, client: 'flat' })).reason).toBe('missing_key_id');
    expect(rejection(parseGateway({ ...line, resp: { code: 'teapot' } })).message).toMatch(
      /^"resp.code" \(status\) must be an integer/,
    );
  });

  it.each([
    ['no mapping', undefined],
    ['a mapping without ip', { ts: 'time', keyId: 'key' }],
    ['an unknown field', { ts: 'time', keyId: 'key', ip: 'ip', colour: 'c' }],
    ['an empty path segment', { ts: 'time', keyId: 'a..b', ip: 'ip' }],
    ['a prototype name', { ts: 'time', keyId: 'constructor', ip: 'ip' }],
  ])('refuses a configuration with %s', (_name, mapping) => {
    let thrown: unknown;
    try {
      createEventParser({ format: 'mapped', mapping: mapping as never });
    } catch (error) {
      thrown = error;
    }
    expect(isKeywatchError(thrown) && thrown.code).toBe('KW_ERR_CONFIG_INVALID');
  });
});

describe('parser options', () => {
  it.each([
    [{ maxLineBytes: 0 }],
    [{ maxFieldChars: 1.5 }],
    [{ maxFutureMs: -1 }],
    [{ format: 'syslog' as never }],
  ])('refuses %j', (options) => {
    expect(() => createEventParser(options)).toThrow(
      expect.objectContaining({ code: 'KW_ERR_CONFIG_INVALID' }),
    );
  });
});

describe('parseNdjsonLine', () => {
  it('returns the parsed value or the reason the line was refused', () => {
    expect(parseNdjsonLine('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseNdjsonLine('{"a":')).toMatchObject({ ok: false, rejection: { reason: 'bad_json' } });
    expect(parseNdjsonLine('"long"', 3)).toMatchObject({
      ok: false,
      rejection: { reason: 'oversized_line' },
    });
  });
});

describe('NUL characters', () => {
  it('rejects an optional text field containing NUL, naming the field', () => {
    const parse = createEventParser({ referenceTime: () => Date.parse('2030-01-01T00:00:00Z') });
    const result = parse({
      ts: '2026-11-03T09:00:00Z',
      keyId: 'k1',
      ip: '81.2.69.160',
      userAgent: 'a\u0000b',
    });
    expect(result).toMatchObject({ ok: false, rejection: { reason: 'invalid_field' } });
    expect(!result.ok && result.rejection.message).toContain('NUL');
  });
});
