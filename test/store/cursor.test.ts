import { describe, expect, it } from 'vitest';
import { decodeAlertCursor, encodeAlertCursor } from '../../src/store/cursor.js';

describe('alert cursor', () => {
  it('decodes what it encodes', () => {
    const position = { ts: '2026-11-03T09:10:12.000Z', id: 'alert|with "odd" chars ✓' };
    const cursor = encodeAlertCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeAlertCursor(cursor)).toEqual(position);
  });

  it.each([
    ['an empty string', ''],
    ['characters outside base64url', 'abc+/='],
    ['text that is not JSON', Buffer.from('hello').toString('base64url')],
    [
      'JSON without a version',
      Buffer.from('{"ts":"2026-11-03T09:10:12.000Z","id":"a"}').toString('base64url'),
    ],
    [
      'an unknown version',
      Buffer.from('{"v":9,"ts":"2026-11-03T09:10:12.000Z","id":"a"}').toString('base64url'),
    ],
    ['a time that is not canonical', Buffer.from('{"v":1,"ts":"2026-11-03","id":"a"}').toString('base64url')],
    [
      'an impossible date',
      Buffer.from('{"v":1,"ts":"2026-13-45T09:10:12.000Z","id":"a"}').toString('base64url'),
    ],
    [
      'an id that is not a string',
      Buffer.from('{"v":1,"ts":"2026-11-03T09:10:12.000Z","id":7}').toString('base64url'),
    ],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['an overlong value', 'a'.repeat(5000)],
  ])('refuses %s as KW_ERR_BAD_REQUEST', (_, cursor) => {
    expect(() => decodeAlertCursor(cursor)).toThrow(expect.objectContaining({ code: 'KW_ERR_BAD_REQUEST' }));
  });
});
