import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { createAddressPolicy } from '../../src/webhooks/address-policy.js';
import { createOutboxHook, createStatusOutboxHook } from '../../src/webhooks/outbox-hook.js';
import { SubscriptionRegistry } from '../../src/webhooks/subscriptions.js';
import { alertFixture, changeOf, openHarnessStore } from './harness.js';

let store: Store;
let dispose: (() => Promise<void>) | undefined;

afterEach(async () => {
  await dispose?.();
  dispose = undefined;
});

async function registryWith(...inputs: Parameters<SubscriptionRegistry['create']>[0][]): Promise<{
  registry: SubscriptionRegistry;
  ids: string[];
}> {
  const opened = await openHarnessStore();
  store = opened.store;
  dispose = opened.dispose;
  const registry = new SubscriptionRegistry({
    store: store.webhooks,
    policy: createAddressPolicy(['127.0.0.0/8']),
    logger: pino({ level: 'silent' }),
    previousSecretHours: 24,
  });
  const ids: string[] = [];
  for (const input of inputs) ids.push((await registry.create(input)).record.id);
  return { registry, ids };
}

const NOW = Date.parse('2026-11-03T10:00:00Z');

describe('the outbox hook', () => {
  it('writes one Standard Webhooks message per matching subscription and event', async () => {
    const { registry, ids } = await registryWith(
      { url: 'http://127.0.0.1:9/a' },
      { url: 'http://127.0.0.1:9/b', filters: { minSeverity: 'critical' } },
    );
    const hook = createOutboxHook(registry, { now: () => NOW });
    const alert = alertFixture({ severity: 'high' });
    const messages = hook([changeOf('opened', alert)]);
    expect(messages).toEqual([
      {
        id: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
        subscriptionId: ids[0],
        type: 'alert.opened',
        alertId: alert.id,
        body: JSON.stringify({ type: 'alert.opened', timestamp: '2026-11-03T10:00:00.000Z', data: alert }),
        createdAt: '2026-11-03T10:00:00.000Z',
      },
    ]);
  });

  it('sends updates only when the severity rose or a detector joined', async () => {
    const { registry } = await registryWith({ url: 'http://127.0.0.1:9/a' });
    const hook = createOutboxHook(registry);
    const alert = alertFixture();
    expect(hook([changeOf('updated', alert)])).toEqual([]);
    expect(hook([changeOf('updated', alert, { severityRaised: true })]).map((m) => m.type)).toEqual([
      'alert.updated',
    ]);
    expect(hook([changeOf('updated', alert, { detectorJoined: true })]).map((m) => m.type)).toEqual([
      'alert.updated',
    ]);
    expect(hook([changeOf('closed', { ...alert, status: 'closed' })]).map((m) => m.type)).toEqual([
      'alert.resolved',
    ]);
  });

  it('folds the changes of one alert in one commit: opened absorbs updates, resolved is kept', async () => {
    const { registry } = await registryWith({ url: 'http://127.0.0.1:9/a' });
    const hook = createOutboxHook(registry);
    const first = alertFixture({ count: 1 });
    const later = { ...first, count: 5, severity: 'critical' as const };
    const closed = { ...later, status: 'closed' as const };
    const messages = hook([
      changeOf('opened', first),
      changeOf('updated', later, { severityRaised: true }),
      changeOf('closed', closed),
    ]);
    expect(messages.map((message) => message.type)).toEqual(['alert.opened', 'alert.resolved']);
    // Every message carries the alert as it was last changed in the commit.
    for (const message of messages) expect(JSON.parse(message.body).data).toEqual(closed);
  });

  it('derives message ids from the event, so a replay of the same changes writes the same ids', async () => {
    const { registry } = await registryWith({ url: 'http://127.0.0.1:9/a' });
    const hook = createOutboxHook(registry);
    const alert = alertFixture();
    const first = hook([
      changeOf('opened', alert),
      changeOf('updated', { ...alert, count: 9 }, { detectorJoined: true }),
    ]);
    const again = hook([changeOf('opened', alert)]);
    expect(again[0]!.id).toBe(first[0]!.id);
    const update = hook([changeOf('updated', { ...alert, count: 9 }, { detectorJoined: true })]);
    const nextUpdate = hook([changeOf('updated', { ...alert, count: 10 }, { detectorJoined: true })]);
    expect(update[0]!.id).not.toBe(first[0]!.id);
    expect(nextUpdate[0]!.id).not.toBe(update[0]!.id);
  });

  it('formats Slack subscriptions for Slack and skips disabled ones', async () => {
    const { registry, ids } = await registryWith(
      { url: 'http://127.0.0.1:9/slack', format: 'slack' },
      { url: 'http://127.0.0.1:9/off', enabled: false },
    );
    const messages = createOutboxHook(registry)([changeOf('opened', alertFixture())]);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.subscriptionId).toBe(ids[0]);
    expect(JSON.parse(messages[0]!.body)).toHaveProperty('blocks');
  });

  it('delays the first attempt by the first entry of the retry schedule', async () => {
    const { registry } = await registryWith({ url: 'http://127.0.0.1:9/a' });
    const [message] = createOutboxHook(registry, { now: () => NOW, firstDelayMs: 1500 })([
      changeOf('opened', alertFixture()),
    ]);
    expect(message!.dueAt).toBe(NOW + 1500);
  });
});

describe('the status outbox hook', () => {
  it('sends alert.resolved when a person resolves or marks a false positive an alert that was not over', async () => {
    const { registry } = await registryWith({ url: 'http://127.0.0.1:9/a' });
    const hook = createStatusOutboxHook(registry);
    expect(hook(alertFixture({ status: 'resolved' }), 'open').map((m) => m.type)).toEqual(['alert.resolved']);
    expect(hook(alertFixture({ status: 'false_positive' }), 'acknowledged')).toHaveLength(1);
    expect(hook(alertFixture({ status: 'resolved' }), 'closed')).toEqual([]);
    expect(hook(alertFixture({ status: 'acknowledged' }), 'open')).toEqual([]);
  });
});
