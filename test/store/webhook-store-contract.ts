import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/types.js';
import type { OutboxMessage, Store, StoreBatch, WebhookSubscriptionRecord } from '../../src/store/types.js';

/** A subscription record as the registry would save it. */
export function subscriptionRecord(
  id: string,
  overrides: Partial<WebhookSubscriptionRecord> = {},
): WebhookSubscriptionRecord {
  return {
    id,
    url: `https://93.184.215.14/hooks/${id}`,
    secret: `whsec_${Buffer.alloc(32, id.length).toString('base64')}`,
    filters: { minSeverity: 'medium' },
    types: ['alert.opened', 'alert.updated', 'alert.resolved'],
    format: 'standard',
    description: '',
    enabled: true,
    source: 'api',
    createdAt: '2026-11-03T09:00:00.000Z',
    updatedAt: '2026-11-03T09:00:00.000Z',
    ...overrides,
  };
}

function message(id: string, subscriptionId: string, dueAt = 0): OutboxMessage {
  return {
    id,
    subscriptionId,
    type: 'alert.opened',
    alertId: 'a1',
    body: `{"id":"${id}"}`,
    createdAt: '2026-11-03T09:00:00.000Z',
    dueAt,
  };
}

const NOW = Date.parse('2026-11-03T10:00:00.000Z');

/**
 * The webhook side of the store contract: subscriptions, the outbox written with the alerts, leased
 * claims, outcomes, attempts, redelivery and the alert change log.
 */
export function describeWebhookStoreContract(
  fresh: () => Promise<{ store: Store; rawRows(sql: string): Promise<Record<string, unknown>[]> }>,
  makeAlert: (id: string, minute: number, overrides?: Partial<Alert>) => Alert,
): void {
  describe('webhook subscriptions', () => {
    it('stores, lists, replaces and deletes subscriptions, secrets included', async () => {
      const { store } = await fresh();
      const first = subscriptionRecord('wh_a', {
        filters: { minSeverity: 'high', keyIds: ['k1'] },
        format: 'slack',
      });
      await store.webhooks.createSubscription(first);
      await store.webhooks.createSubscription(
        subscriptionRecord('wh_b', { createdAt: '2026-11-03T09:00:01.000Z' }),
      );
      expect(await store.webhooks.getSubscription('wh_a')).toEqual(first);
      await expect(store.webhooks.createSubscription(first)).rejects.toMatchObject({
        code: 'KW_ERR_CONFLICT',
      });

      const changed: WebhookSubscriptionRecord = {
        ...first,
        secret: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
        previousSecret: first.secret,
        previousSecretExpiresAt: NOW,
        disabledReason: 'gone',
        disabledAt: '2026-11-03T09:30:00.000Z',
        failingSince: '2026-11-03T09:20:00.000Z',
        updatedAt: '2026-11-03T09:30:00.000Z',
      };
      expect(await store.webhooks.updateSubscription(changed)).toBe(true);
      expect((await store.webhooks.listSubscriptions()).map((record) => record.id)).toEqual(['wh_a', 'wh_b']);
      expect(await store.webhooks.getSubscription('wh_a')).toEqual(changed);
      expect(await store.webhooks.updateSubscription(subscriptionRecord('wh_none'))).toBe(false);

      expect(await store.webhooks.deleteSubscription('wh_a')).toBe(true);
      expect(await store.webhooks.deleteSubscription('wh_a')).toBe(false);
      expect(await store.webhooks.getSubscription('wh_a')).toBeUndefined();
    });
  });

  describe('webhook outbox', () => {
    it('writes outbox messages in the alerts transaction, and none when the batch fails', async () => {
      const { store, rawRows } = await fresh();
      await store.webhooks.createSubscription(subscriptionRecord('wh_a'));
      const failing: StoreBatch = {
        alerts: [{ alert: makeAlert('a1', 0), newTimeline: [] }],
        keyStates: [],
        outbox: [message('msg_1', 'wh_a')],
        offsets: [{ group: 'g', topic: null as unknown as string, partition: 0, offset: '1' }],
      };
      await expect(store.commit(failing)).rejects.toMatchObject({ code: 'KW_ERR_STORE' });
      expect(await rawRows('SELECT id FROM webhook_outbox')).toEqual([]);
      await store.commit({ ...failing, offsets: [] });
      // A replay writing the same message again changes nothing.
      await store.commit({
        alerts: [],
        keyStates: [],
        outbox: [{ ...message('msg_1', 'wh_a'), body: 'other' }],
      });
      const claimed = await store.webhooks.claim({ lease: 'l1', now: NOW, leaseMs: 1000, limit: 10 });
      expect(claimed).toEqual([
        {
          id: 'msg_1',
          subscriptionId: 'wh_a',
          type: 'alert.opened',
          alertId: 'a1',
          body: '{"id":"msg_1"}',
          createdAt: '2026-11-03T09:00:00.000Z',
          attempts: 0,
          singleAttempt: false,
          lease: 'l1',
        },
      ]);
    });

    it('claims due messages of active subscriptions once per lease, oldest due first', async () => {
      const { store } = await fresh();
      for (const id of ['wh_a', 'wh_b', 'wh_off', 'wh_gone'])
        await store.webhooks.createSubscription(subscriptionRecord(id));
      await store.webhooks.updateSubscription(subscriptionRecord('wh_off', { enabled: false }));
      await store.webhooks.disableSubscription('wh_gone', 'gone', '2026-11-03T09:00:00.000Z');
      await store.commit({
        alerts: [],
        keyStates: [],
        outbox: [
          message('msg_late', 'wh_a', NOW - 10),
          message('msg_early', 'wh_a', NOW - 20),
          message('msg_future', 'wh_a', NOW + 60_000),
          message('msg_b', 'wh_b', NOW - 5),
          message('msg_off', 'wh_off', NOW - 50),
          message('msg_gone', 'wh_gone', NOW - 50),
        ],
      });
      const first = await store.webhooks.claim({
        lease: 'l1',
        now: NOW,
        leaseMs: 1000,
        limit: 2,
        skipSubscriptions: ['wh_b'],
      });
      expect(first.map((claimed) => claimed.id)).toEqual(['msg_early', 'msg_late']);
      const second = await store.webhooks.claim({ lease: 'l2', now: NOW, leaseMs: 1000, limit: 10 });
      expect(second.map((claimed) => claimed.id)).toEqual(['msg_b']);
      expect(await store.webhooks.claim({ lease: 'l3', now: NOW + 999, leaseMs: 1000, limit: 10 })).toEqual(
        [],
      );
      // Leases that ran out come back (the holder crashed), and so do messages that became due.
      const expired = await store.webhooks.claim({
        lease: 'l4',
        now: NOW + 60_000,
        leaseMs: 1000,
        limit: 10,
      });
      expect(expired.map((claimed) => claimed.id).sort()).toEqual([
        'msg_b',
        'msg_early',
        'msg_future',
        'msg_late',
      ]);
    });

    it('never hands one message to two concurrent claims', async () => {
      const { store } = await fresh();
      await store.webhooks.createSubscription(subscriptionRecord('wh_a'));
      const outbox = Array.from({ length: 200 }, (_, index) => message(`msg_${index}`, 'wh_a', NOW - index));
      await store.commit({ alerts: [], keyStates: [], outbox });
      const claims = await Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          store.webhooks.claim({ lease: `l${index}`, now: NOW, leaseMs: 60_000, limit: 80 }),
        ),
      );
      const ids = claims.flat().map((claimed) => claimed.id);
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
    });

    it('moves messages on by their outcome and records the attempts; a lost lease changes no message', async () => {
      const { store } = await fresh();
      await store.webhooks.createSubscription(subscriptionRecord('wh_a'));
      await store.commit({
        alerts: [],
        keyStates: [],
        outbox: [message('msg_1', 'wh_a'), message('msg_2', 'wh_a')],
      });
      await store.webhooks.claim({ lease: 'l1', now: NOW, leaseMs: 1000, limit: 10 });
      const attempt = (messageId: string, success: boolean) => ({
        messageId,
        subscriptionId: 'wh_a',
        attempt: 1,
        startedAt: '2026-11-03T10:00:00.000Z',
        durationMs: 12.4,
        statusCode: success ? 200 : 500,
        success,
        error: success ? null : 'answered 500',
      });
      await store.webhooks.complete([
        {
          messageId: 'msg_1',
          lease: 'l1',
          state: 'pending',
          attempts: 1,
          nextAttemptAt: NOW + 5000,
          error: 'answered 500',
          attempt: attempt('msg_1', false),
        },
        { messageId: 'msg_2', lease: 'l1', state: 'delivered', attempts: 1, attempt: attempt('msg_2', true) },
        { messageId: 'msg_2', lease: 'stale', state: 'failed', attempts: 9 },
      ]);
      expect(await store.webhooks.claim({ lease: 'l2', now: NOW + 4999, leaseMs: 1000, limit: 10 })).toEqual(
        [],
      );
      const retried = await store.webhooks.claim({ lease: 'l3', now: NOW + 5000, leaseMs: 1000, limit: 10 });
      expect(retried.map((claimed) => [claimed.id, claimed.attempts])).toEqual([['msg_1', 1]]);

      const page = await store.webhooks.listAttempts('wh_a', { limit: 10 });
      expect(page.items).toEqual([
        {
          id: expect.any(String),
          ...attempt('msg_2', true),
          durationMs: 12,
          type: 'alert.opened',
          alertId: 'a1',
          messageState: 'delivered',
          nextAttemptAt: null,
        },
        {
          id: expect.any(String),
          ...attempt('msg_1', false),
          durationMs: 12,
          type: 'alert.opened',
          alertId: 'a1',
          messageState: 'pending',
          nextAttemptAt: new Date(NOW + 5000).toISOString(),
        },
      ]);
      const firstPage = await store.webhooks.listAttempts('wh_a', { limit: 1 });
      expect(firstPage.items.map((item) => item.messageId)).toEqual(['msg_2']);
      const nextPage = await store.webhooks.listAttempts('wh_a', { limit: 1, before: firstPage.nextCursor! });
      expect(nextPage).toEqual({
        items: [expect.objectContaining({ messageId: 'msg_1' })],
        nextCursor: null,
      });
      const ofMessage = await store.webhooks.listAttempts('wh_a', { limit: 10, messageId: 'msg_1' });
      expect(ofMessage.items.map((item) => item.messageId)).toEqual(['msg_1']);
      await expect(store.webhooks.listAttempts('wh_a', { limit: 1, before: 'x' })).rejects.toMatchObject({
        code: 'KW_ERR_BAD_REQUEST',
      });
    });

    it('fails the pending messages of a disabled subscription and redelivers a finished message once', async () => {
      const { store } = await fresh();
      await store.webhooks.createSubscription(subscriptionRecord('wh_a'));
      await store.commit({
        alerts: [],
        keyStates: [],
        outbox: [message('msg_1', 'wh_a'), message('msg_2', 'wh_a')],
      });
      expect(await store.webhooks.redeliver('wh_a', 'msg_1', NOW)).toBe('pending');
      expect(await store.webhooks.disableSubscription('wh_a', 'failing', '2026-11-03T10:00:00.000Z')).toBe(2);
      expect(await store.webhooks.getSubscription('wh_a')).toMatchObject({
        disabledReason: 'failing',
        disabledAt: '2026-11-03T10:00:00.000Z',
      });
      await store.webhooks.updateSubscription(subscriptionRecord('wh_a'));
      expect(await store.webhooks.claim({ lease: 'l1', now: NOW, leaseMs: 1000, limit: 10 })).toEqual([]);
      expect(await store.webhooks.redeliver('wh_a', 'msg_1', NOW)).toBe('scheduled');
      expect(await store.webhooks.redeliver('wh_b', 'msg_1', NOW)).toBe('not_found');
      expect(await store.webhooks.redeliver('wh_a', 'msg_none', NOW)).toBe('not_found');
      const claimed = await store.webhooks.claim({ lease: 'l2', now: NOW, leaseMs: 1000, limit: 10 });
      expect(claimed.map((item) => [item.id, item.singleAttempt])).toEqual([['msg_1', true]]);
    });

    it('adds test messages already leased, and frees every lease on request', async () => {
      const { store } = await fresh();
      await store.webhooks.createSubscription(subscriptionRecord('wh_a'));
      await store.webhooks.enqueue([message('msg_t', 'wh_a')], {
        singleAttempt: true,
        lease: { token: 'test', until: NOW + 10_000 },
      });
      expect(await store.webhooks.claim({ lease: 'l1', now: NOW, leaseMs: 1000, limit: 10 })).toEqual([]);
      expect(await store.webhooks.releaseLeases()).toBe(1);
      const claimed = await store.webhooks.claim({ lease: 'l2', now: NOW, leaseMs: 1000, limit: 10 });
      expect(claimed.map((item) => [item.id, item.singleAttempt])).toEqual([['msg_t', true]]);
    });

    it('deletes a subscription with its messages and attempts, and prunes finished messages and orphans', async () => {
      const { store, rawRows } = await fresh();
      await store.webhooks.createSubscription(subscriptionRecord('wh_a'));
      await store.webhooks.createSubscription(subscriptionRecord('wh_b'));
      await store.commit({
        alerts: [],
        keyStates: [],
        outbox: [message('msg_a', 'wh_a'), message('msg_b', 'wh_b'), message('msg_orphan', 'wh_never')],
      });
      const claimed = await store.webhooks.claim({ lease: 'l', now: NOW, leaseMs: 1000, limit: 10 });
      await store.webhooks.complete(
        claimed.map((item) => ({ messageId: item.id, lease: 'l', state: 'delivered', attempts: 1 })),
      );
      await store.webhooks.deleteSubscription('wh_a');
      expect((await rawRows('SELECT id FROM webhook_outbox ORDER BY id')).map((row) => row.id)).toEqual([
        'msg_b',
        'msg_orphan',
      ]);
      const pruned = await store.webhooks.prune({
        finishedBefore: new Date(Date.now() + 60_000).toISOString(),
        alertEventsBefore: '2000-01-01T00:00:00.000Z',
      });
      expect(pruned.messages).toBe(2);
      expect(await rawRows('SELECT id FROM webhook_outbox')).toEqual([]);
    });
  });

  describe('alert change log', () => {
    it('logs openings, escalations and closings of the engine, not every update', async () => {
      const { store } = await fresh();
      const alert = makeAlert('a1', 0, { severity: 'medium', detectors: ['unfamiliar-ip'] });
      const commit = (next: Alert) =>
        store.commit({ alerts: [{ alert: next, newTimeline: [] }], keyStates: [] });
      await commit(alert);
      await commit({ ...alert, count: 2 });
      await commit({ ...alert, count: 3, severity: 'high' });
      await commit({ ...alert, count: 4, severity: 'high', detectors: ['unfamiliar-ip', 'odd-hours'] });
      await commit({ ...alert, count: 5, severity: 'medium', detectors: ['unfamiliar-ip', 'odd-hours'] });
      await commit({
        ...alert,
        count: 5,
        severity: 'medium',
        detectors: ['unfamiliar-ip', 'odd-hours'],
        status: 'closed',
      });
      const events = await store.webhooks.listAlertEvents({ after: 0, limit: 100 });
      expect(events.map((event) => [event.type, event.alert.count])).toEqual([
        ['alert.opened', 1],
        ['alert.updated', 3],
        ['alert.updated', 4],
        ['alert.resolved', 5],
      ]);
      const seqs = events.map((event) => event.seq);
      expect(seqs).toEqual([...seqs].sort((left, right) => left - right));
      expect(await store.webhooks.latestAlertEventSeq()).toBe(seqs[3]);
      expect(
        (await store.webhooks.listAlertEvents({ after: seqs[1]!, limit: 1 })).map((event) => event.seq),
      ).toEqual([seqs[2]]);
    });

    it('logs a person resolving an alert and writes the status hook messages with it', async () => {
      const { store } = await fresh();
      await store.webhooks.createSubscription(subscriptionRecord('wh_a'));
      await store.commit({ alerts: [{ alert: makeAlert('a1', 0), newTimeline: [] }], keyStates: [] });
      const calls: string[] = [];
      const hook = (alert: Alert, previous: string) => {
        calls.push(`${previous}->${alert.status}`);
        return [message(`msg_${calls.length}`, 'wh_a')];
      };
      await store.setAlertStatus(
        'a1',
        { status: 'acknowledged', actor: 'ana', at: '2026-11-03T10:00:00.000Z' },
        hook,
      );
      await store.setAlertStatus(
        'a1',
        { status: 'resolved', actor: 'ana', at: '2026-11-03T10:01:00.000Z' },
        hook,
      );
      await store.setAlertStatus(
        'a1',
        { status: 'false_positive', actor: 'ana', at: '2026-11-03T10:02:00.000Z' },
        hook,
      );
      expect(calls).toEqual(['open->acknowledged', 'acknowledged->resolved', 'resolved->false_positive']);
      const events = await store.webhooks.listAlertEvents({ after: 0, limit: 10 });
      expect(events.map((event) => [event.type, event.alert.status])).toEqual([
        ['alert.opened', 'open'],
        ['alert.resolved', 'resolved'],
      ]);
      const claimed = await store.webhooks.claim({ lease: 'l', now: NOW, leaseMs: 1000, limit: 10 });
      expect(claimed).toHaveLength(3);
    });

    it('prunes alert events older than the retention', async () => {
      const { store } = await fresh();
      await store.commit({ alerts: [{ alert: makeAlert('a1', 0), newTimeline: [] }], keyStates: [] });
      await store.webhooks.prune({
        finishedBefore: '2000-01-01T00:00:00.000Z',
        alertEventsBefore: '2000-01-01T00:00:00.000Z',
      });
      expect(await store.webhooks.listAlertEvents({ after: 0, limit: 10 })).toHaveLength(1);
      const pruned = await store.webhooks.prune({
        finishedBefore: '2000-01-01T00:00:00.000Z',
        alertEventsBefore: new Date(Date.now() + 60_000).toISOString(),
      });
      expect(pruned.alertEvents).toBe(1);
      expect(await store.webhooks.listAlertEvents({ after: 0, limit: 10 })).toEqual([]);
    });
  });
}
