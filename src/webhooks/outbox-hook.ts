import type { Alert, AlertChange } from '../engine/types.js';
import { isHumanResolution } from '../store/alert-events.js';
import type { AlertEventType, OutboxMessage, StatusOutbox } from '../store/types.js';
import { eventTypeOfChange } from './change-events.js';
import { alertMessageId, randomMessageId, standardBody } from './payload.js';
import { slackBody } from './slack-format.js';
import type { LiveSubscription, SubscriptionRegistry } from './subscriptions.js';

export interface HookOptions {
  now?: () => number;
  /** Delay of a message's first attempt (the retry schedule's first entry). */
  firstDelayMs?: number;
}

/**
 * The runtime's `outbox` hook: turns the alert changes of one commit into one message per matching
 * subscription and event, from the subscriptions cached in memory (it runs inside the commit). Within
 * one commit, the events of an alert are collapsed: an alert that opened does not also send an update
 * (its body already carries the latest state), and every message carries the alert as stored.
 *
 * @example
 * const runtime = await Runtime.create({ ...options, outbox: createOutboxHook(registry) });
 */
export function createOutboxHook(
  registry: SubscriptionRegistry,
  options: HookOptions = {},
): (changes: readonly AlertChange[]) => OutboxMessage[] {
  const now = options.now ?? Date.now;
  const firstDelayMs = options.firstDelayMs ?? 0;
  return (changes) => {
    const subscriptions = registry.active();
    if (subscriptions.length === 0) return [];
    const events = new Map<string, { alert: Alert; types: AlertEventType[] }>();
    for (const change of changes) {
      const type = eventTypeOfChange(change);
      const entry = events.get(change.alert.id);
      if (entry === undefined) {
        events.set(change.alert.id, { alert: change.alert, types: type === undefined ? [] : [type] });
        continue;
      }
      entry.alert = change.alert;
      if (type !== undefined && !entry.types.includes(type)) entry.types.push(type);
    }
    const at = now();
    const messages: OutboxMessage[] = [];
    for (const { alert, types } of events.values()) {
      for (const type of types) {
        if (type === 'alert.updated' && types.includes('alert.opened')) continue;
        addMessages(messages, subscriptions, type, alert, at, firstDelayMs, alertMessageId);
      }
    }
    return messages;
  };
}

/**
 * The store's status-change hook: a person resolving an alert (or marking it a false positive) sends
 * `alert.resolved` to the matching subscriptions, written with the status change.
 */
export function createStatusOutboxHook(
  registry: SubscriptionRegistry,
  options: HookOptions = {},
): StatusOutbox {
  const now = options.now ?? Date.now;
  const firstDelayMs = options.firstDelayMs ?? 0;
  return (alert, previousStatus) => {
    if (!isHumanResolution(previousStatus, alert.status)) return [];
    const messages: OutboxMessage[] = [];
    addMessages(messages, registry.active(), 'alert.resolved', alert, now(), firstDelayMs, randomMessageId);
    return messages;
  };
}

function addMessages(
  messages: OutboxMessage[],
  subscriptions: readonly LiveSubscription[],
  type: AlertEventType,
  alert: Alert,
  at: number,
  firstDelayMs: number,
  idOf: (subscriptionId: string, type: AlertEventType, alert: Alert) => string,
): void {
  let standard: string | undefined;
  const createdAt = new Date(at).toISOString();
  for (const subscription of subscriptions) {
    if (!subscription.filter.matches(type, alert)) continue;
    const { record } = subscription;
    let body: string;
    if (record.format === 'slack') body = slackBody(type, alert);
    else body = standard ??= standardBody(type, alert, createdAt);
    messages.push({
      id: idOf(record.id, type, alert),
      subscriptionId: record.id,
      type,
      alertId: alert.id,
      body,
      createdAt,
      ...(firstDelayMs > 0 ? { dueAt: at + firstDelayMs } : {}),
    });
  }
}
