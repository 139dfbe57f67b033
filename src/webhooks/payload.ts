import { createHash, randomBytes } from 'node:crypto';
import type { Alert } from '../engine/types.js';
import type { WebhookEventType } from '../store/types.js';

/**
 * The Standard Webhooks body: `{ "type", "timestamp", "data" }` with the alert as data.
 *
 * @example standardBody('alert.opened', alert, '2026-11-03T09:10:13.000Z')
 */
export function standardBody(type: WebhookEventType, alert: Alert, timestamp: string): string {
  return JSON.stringify({ type, timestamp, data: alert });
}

/**
 * The id of the message telling a subscription about one alert event: derived from them, so that a
 * replay of the same events after a crash writes the same ids (the outbox ignores ids it has) instead
 * of delivering twice. An update is told apart by the alert state it carries.
 */
export function alertMessageId(subscriptionId: string, type: WebhookEventType, alert: Alert): string {
  const state =
    type === 'alert.updated'
      ? `${alert.severity}|${alert.detectors.join(',')}|${alert.count}|${alert.lastSeen}`
      : '';
  const digest = createHash('sha256')
    .update(`${subscriptionId}\n${type}\n${alert.id}\n${state}`)
    .digest('hex');
  return `msg_${digest.slice(0, 32)}`;
}

/** A fresh message id (test messages, people's resolutions). */
export function randomMessageId(): string {
  return `msg_${randomBytes(16).toString('hex')}`;
}
