import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/types.js';
import { WebhookService } from '../../src/webhooks/service.js';
import {
  alertFixture,
  changeOf,
  commitChanges,
  eventually,
  type Harness,
  leakEvents,
  startHarness as startTestHarness,
  testWebhooksConfig,
} from './harness.js';
import { type ReceivedRequest, type Receiver, startReceiver } from './receiver.js';

let harness: Harness | undefined;
const receivers: Receiver[] = [];
const extraServices: WebhookService[] = [];

afterEach(async () => {
  for (const service of extraServices.splice(0)) await service.stop();
  await harness?.close();
  harness = undefined;
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const started = await startReceiver(respond);
  receivers.push(started);
  return started;
}

function verified(request: ReceivedRequest, secret: string): { type: string; data: Alert } {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as {
    type: string;
    data: Alert;
  };
}

describe.each(['sqlite', 'postgres'] as const)('webhook delivery to real HTTP receivers (%s)', (backend) => {
  const startHarness = (options: Parameters<typeof startTestHarness>[0] = {}) =>
    startTestHarness({ ...options, backend });

  it('delivers each alert once to a healthy receiver, signed so the standardwebhooks verifier accepts it', async () => {
    harness = await startHarness();
    const target = await receiver();
    const { record, secret } = await harness.webhooks.subscriptions.create({ url: target.url });
    await harness.runtime.ingest([...leakEvents('key-a'), ...leakEvents('key-b'), ...leakEvents('key-c')]);
    const alerts = (await harness.store.listAlerts({ limit: 10 })).items;
    expect(alerts).toHaveLength(3);
    await target.waitForRequests(3);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const opened = target.requests
      .map((request) => verified(request, secret))
      .filter((body) => body.type === 'alert.opened');
    expect(opened.map((body) => body.data.id).sort()).toEqual(alerts.map((alert) => alert.id).sort());
    const ids = target.requests.map((request) => request.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(target.requests[0]!.headers['content-type']).toBe('application/json');
    const deliveries = await harness.store.webhooks.listAttempts(record.id, { limit: 50 });
    expect(deliveries.items.every((attempt) => attempt.success && attempt.messageState === 'delivered')).toBe(
      true,
    );
  });

  it('retries a receiver that fails three times on the schedule, with the same webhook-id, until it succeeds', async () => {
    harness = await startHarness({ webhooks: { retryScheduleMs: [0, 200, 400, 400, 400] } });
    const target = await receiver((_request, index) => ({ status: index < 3 ? 500 : 200 }));
    const { record, secret } = await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    const requests = await target.waitForRequests(4);

    expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
    for (const request of requests) expect(verified(request, secret).type).toBe('alert.opened');
    const gaps = requests.slice(1).map((request, index) => request.receivedAt - requests[index]!.receivedAt);
    expect(gaps[0]).toBeGreaterThanOrEqual(190);
    expect(gaps[1]).toBeGreaterThanOrEqual(390);
    expect(gaps[2]).toBeGreaterThanOrEqual(390);
    for (const gap of gaps) expect(gap).toBeLessThan(1500);

    const attempts = await eventually(async () => {
      const page = await harness!.store.webhooks.listAttempts(record.id, { limit: 10 });
      return page.items.length === 4 ? page.items : undefined;
    });
    expect(attempts.map((attempt) => [attempt.attempt, attempt.statusCode, attempt.success])).toEqual([
      [4, 200, true],
      [3, 500, false],
      [2, 500, false],
      [1, 500, false],
    ]);
    expect(attempts[0]!.messageState).toBe('delivered');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(target.requests).toHaveLength(4);
  });

  it('gives up after the last attempt of the schedule and keeps the message as failed', async () => {
    harness = await startHarness({ webhooks: { retryScheduleMs: [0, 100, 100] } });
    const target = await receiver(() => ({ status: 503 }));
    const { record } = await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    await target.waitForRequests(3);
    const last = await eventually(async () => {
      const [latest] = (await harness!.store.webhooks.listAttempts(record.id, { limit: 1 })).items;
      return latest?.attempt === 3 && latest.messageState === 'failed' ? latest : undefined;
    });
    expect(last).toMatchObject({
      statusCode: 503,
      success: false,
      error: 'answered 503',
      nextAttemptAt: null,
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(target.requests).toHaveLength(3);
  });

  it('honours Retry-After when it asks for a longer wait than the schedule', async () => {
    harness = await startHarness({ webhooks: { retryScheduleMs: [0, 50, 50] } });
    const target = await receiver((_request, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    const [first, second] = await target.waitForRequests(2, 5000);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(990);
  });

  it('disables a subscription whose receiver answers 410 Gone, and sends it nothing more', async () => {
    harness = await startHarness();
    const target = await receiver(() => ({ status: 410 }));
    const { record } = await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    await target.waitForRequests(1);
    const disabled = await eventually(async () => {
      const stored = await harness!.store.webhooks.getSubscription(record.id);
      return stored?.disabledReason === 'gone' ? stored : undefined;
    });
    expect(disabled.enabled).toBe(true);
    expect(disabled.disabledAt).toBeDefined();
    expect((await harness.webhooks.metrics.disabled.get()).values).toEqual([
      expect.objectContaining({ labels: { reason: 'gone' }, value: 1 }),
    ]);
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(target.requests).toHaveLength(1);
  });

  it('does not follow a redirect, not even to an address it could reach', async () => {
    harness = await startHarness();
    const inside = await receiver();
    const target = await receiver((_request, index) => ({
      status: 302,
      headers: { location: index % 2 === 0 ? inside.url : 'http://169.254.169.254/latest/meta-data/' },
    }));
    const { record } = await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    await target.waitForRequests(3);
    const attempts = (await harness.store.webhooks.listAttempts(record.id, { limit: 10 })).items;
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    for (const attempt of attempts)
      expect(attempt).toMatchObject({ statusCode: 302, success: false, error: 'redirect not followed' });
    expect(inside.connections).toBe(0);
  });

  it('fails an attempt that gets no answer within the timeout and retries it', async () => {
    harness = await startHarness({ webhooks: { timeoutMs: 300, retryScheduleMs: [0, 100] } });
    const target = await receiver((_request, index) =>
      index === 0 ? { status: 200, delayMs: 2000 } : { status: 200 },
    );
    const { record } = await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    const attempts = await eventually(async () => {
      const page = await harness!.store.webhooks.listAttempts(record.id, { limit: 10 });
      return page.items.length === 2 ? page.items : undefined;
    });
    expect(attempts[1]).toMatchObject({ success: false, statusCode: null, error: 'no answer within 300 ms' });
    expect(attempts[1]!.durationMs).toBeLessThan(1000);
    expect(attempts[0]).toMatchObject({ success: true, statusCode: 200 });
  });

  it('keeps at most maxConcurrencyPerEndpoint deliveries in flight to one receiver', async () => {
    harness = await startHarness({ webhooks: { maxConcurrencyPerEndpoint: 2 } });
    const target = await receiver(() => ({ status: 200, delayMs: 50 }));
    await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(
      harness,
      Array.from({ length: 12 }, () => changeOf('opened', alertFixture())),
    );
    await target.waitForRequests(12);
    expect(target.maxInFlight).toBe(2);
  });

  it('disables a subscription that has failed for longer than disableAfterFailingHours, logging why', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    harness = await startHarness({
      logger,
      webhooks: { disableAfterFailingHours: 0.5 / 3600, retryScheduleMs: [0, 150, 150, 150, 150, 150] },
    });
    const target = await receiver(() => ({ status: 500 }));
    const { record } = await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    const disabled = await eventually(async () => {
      const stored = await harness!.store.webhooks.getSubscription(record.id);
      return stored?.disabledReason === 'failing' ? stored : undefined;
    });
    expect(disabled.failingSince).toBeDefined();
    const [attempt] = (await harness.store.webhooks.listAttempts(record.id, { limit: 1 })).items;
    expect(attempt?.messageState).toBe('failed');
    const warning = lines.map((line) => JSON.parse(line)).find((line) => line.reason === 'failing');
    expect(warning).toMatchObject({
      level: 40,
      subscriptionId: record.id,
      endpoint: `http://127.0.0.1:${target.port}`,
    });
    expect(JSON.stringify(lines)).not.toContain('/hook');
    expect((await harness.webhooks.metrics.disabled.get()).values[0]).toMatchObject({
      labels: { reason: 'failing' },
    });
  });

  it('forgets a run of failures after a success', async () => {
    harness = await startHarness({ webhooks: { retryScheduleMs: [0, 100] } });
    const target = await receiver((_request, index) => ({ status: index === 0 ? 500 : 200 }));
    const { record } = await harness.webhooks.subscriptions.create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    await target.waitForRequests(1);
    expect(
      await eventually(async () => (await harness!.store.webhooks.getSubscription(record.id))?.failingSince),
    ).toBeDefined();
    await target.waitForRequests(2);
    await eventually(async () =>
      (await harness!.store.webhooks.getSubscription(record.id))?.failingSince === undefined
        ? true
        : undefined,
    );
  });

  it('signs with both the new and the old secret after a rotation', async () => {
    harness = await startHarness();
    const target = await receiver();
    const { record, secret: oldSecret } = await harness.webhooks.subscriptions.create({ url: target.url });
    const { secret: newSecret } = await harness.webhooks.subscriptions.update(record.id, {
      rotateSecret: true,
    });
    expect(newSecret).toMatch(/^whsec_/);
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    const [request] = await target.waitForRequests(1);
    expect(String(request!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(request!, newSecret!).type).toBe('alert.opened');
    expect(verified(request!, oldSecret).type).toBe('alert.opened');
  });

  it('sends alert.resolved when a person resolves an alert', async () => {
    harness = await startHarness();
    const target = await receiver();
    const { secret } = await harness.webhooks.subscriptions.create({
      url: target.url,
      types: ['alert.resolved'],
    });
    await harness.runtime.ingest(leakEvents('key-r'));
    const [alert] = (await harness.store.listAlerts({ limit: 1 })).items;
    await harness.runtime.updateAlert(alert!.id, { status: 'resolved', actor: 'analyst' });
    const [request] = await target.waitForRequests(1);
    const body = verified(request!, secret);
    expect(body).toMatchObject({ type: 'alert.resolved', data: { id: alert!.id, status: 'resolved' } });
  });

  it('checks addresses again at connect time: a name allowed when saved is refused when it is not any more', async () => {
    harness = await startHarness();
    const target = await receiver();
    // Saved while loopback was allowed (think: the name resolved to a public address then).
    const { record } = await harness.webhooks.subscriptions.create({
      url: `http://localhost:${target.port}/hook`,
    });
    await harness.webhooks.stop();
    const strict = await WebhookService.create({
      store: harness.store,
      config: testWebhooksConfig({ allowNetworks: [], retryScheduleMs: [0] }),
      logger: pino({ level: 'silent' }),
    });
    extraServices.push(strict);
    await strict.start();
    await commitChanges({ store: harness.store, webhooks: strict }, [changeOf('opened', alertFixture())]);
    const [attempt] = await eventually(async () => {
      const page = await harness!.store.webhooks.listAttempts(record.id, { limit: 1 });
      return page.items.length > 0 ? page.items : undefined;
    });
    expect(attempt!.error).toMatch(/refused to connect: (127\.0\.0\.1|::1) is a loopback address/);
    expect(target.connections).toBe(0);
  });

  it('lets two instances share the outbox without sending any message twice', async () => {
    harness = await startHarness({ webhooks: { maxConcurrencyPerEndpoint: 4 } });
    const target = await receiver(() => ({ status: 200, delayMs: 5 }));
    await harness.webhooks.subscriptions.create({ url: target.url });
    const second = await WebhookService.create({
      store: harness.store,
      config: testWebhooksConfig({ maxConcurrencyPerEndpoint: 4 }),
      logger: pino({ level: 'silent' }),
    });
    extraServices.push(second);
    await second.start();
    await commitChanges(
      harness,
      Array.from({ length: 60 }, () => changeOf('opened', alertFixture())),
    );
    second.wake();
    await target.waitForRequests(60);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ids = target.requests.map((request) => request.headers['webhook-id']);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
  });
});
