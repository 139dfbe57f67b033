import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, secretKey } from '../../src/webhooks/secret.js';
import { signature, webhookHeaders } from '../../src/webhooks/signing.js';

const body = JSON.stringify({
  type: 'alert.opened',
  timestamp: '2026-11-03T09:10:13.000Z',
  data: { id: 'kw_1' },
});

describe('webhook secrets', () => {
  it('generates whsec_ secrets of 32 random bytes that differ every time', () => {
    const first = generateSecret();
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(first)).toHaveLength(32);
    expect(generateSecret()).not.toBe(first);
  });

  it.each([
    ['no prefix', Buffer.alloc(32, 7).toString('base64')],
    ['too short (16 bytes)', `whsec_${Buffer.alloc(16, 7).toString('base64')}`],
    ['too long (65 bytes)', `whsec_${Buffer.alloc(65, 7).toString('base64')}`],
    ['not base64', `whsec_${'!'.repeat(32)}`],
    ['base64url alphabet', `whsec_${'_-'.repeat(16)}`],
    // 25 bytes end in "Bw=="; "Bx==" decodes to the same bytes with stray bits set.
    [
      'non-canonical padding bits',
      `whsec_${Buffer.alloc(25, 7).toString('base64').replace(/Bw==$/, 'Bx==')}`,
    ],
  ])('refuses a secret with %s', (_why, secret) => {
    expect(secretKey(secret)).toBeUndefined();
  });
});

describe('Standard Webhooks signatures', () => {
  it('signs "id.timestamp.body" with HMAC-SHA256 keyed by the decoded secret', () => {
    const secret = generateSecret();
    const key = secretKey(secret)!;
    const expected = createHmac('sha256', key).update(`msg_1.1767225600.${body}`).digest('base64');
    expect(signature(key, 'msg_1', 1_767_225_600, body)).toBe(`v1,${expected}`);
  });

  it("is accepted by the standardwebhooks package's own verifier", () => {
    const secret = generateSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secretKey(secret)!], 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('is rejected by that verifier when the body, id, timestamp or secret is not the signed one', () => {
    const secret = generateSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secretKey(secret)!], 'msg_1', now, body);
    const verifier = new Webhook(secret);
    expect(() => verifier.verify(body.replace('alert.opened', 'alert.resolved'), headers)).toThrow();
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow();
    expect(() => verifier.verify(body, { ...headers, 'webhook-timestamp': String(now + 1) })).toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it('carries one signature per key during a rotation, each accepted with its own secret', () => {
    const current = generateSecret();
    const previous = generateSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secretKey(current)!, secretKey(previous)!], 'msg_1', now, body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });
});
