import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks signature of one delivery: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`.
 *
 * @example signature(key, 'msg_1', 1767225600, '{"type":"webhook.test"}') // 'v1,K8Z…='
 */
export function signature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/**
 * The headers that make a delivery verifiable: `webhook-id` (the same on every retry),
 * `webhook-timestamp` (this attempt, in seconds) and `webhook-signature` with one signature per key,
 * space-separated (the current key first, then the previous one while a rotation is under way).
 */
export function webhookHeaders(
  keys: readonly Buffer[],
  id: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': keys.map((key) => signature(key, id, timestampSeconds, body)).join(' '),
  };
}
