import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../../src/webhooks/secret.js';
import {
  alertFixture,
  changeOf,
  commitChanges,
  eventually,
  type Harness,
  startHarness,
} from '../../webhooks/harness.js';
import { type Receiver, startReceiver } from '../../webhooks/receiver.js';
import { bodyOf, errorOf } from '../helper.js';

let harness: Harness | undefined;
const receivers: Receiver[] = [];

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const started = await startReceiver(respond);
  receivers.push(started);
  return started;
}

interface SubscriptionView {
  id: string;
  url: string;
  secret?: string;
  filters: Record<string, unknown>;
  types: string[];
  format: string;
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
  source: string;
}

async function create(body: object): Promise<SubscriptionView> {
  const response = await harness!.as('admin', { method: 'POST', url: '/v1/webhooks', payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return bodyOf<SubscriptionView>(response);
}

describe('/v1/webhooks', () => {
  it('creates a subscription with defaults and a generated secret that is shown only once', async () => {
    harness = await startHarness({ deliver: false });
    const target = await receiver();
    const created = await create({ url: target.url, description: 'SOAR' });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^wh_[0-9a-f]{24}$/),
      url: target.url,
      description: 'SOAR',
      filters: { minSeverity: 'medium' },
      types: ['alert.opened', 'alert.updated', 'alert.resolved'],
      format: 'standard',
      enabled: true,
      disabledReason: null,
      source: 'api',
      secret: expect.stringMatching(/^whsec_/),
    });
    const read = await harness.as('admin', { method: 'GET', url: `/v1/webhooks/${created.id}` });
    expect(bodyOf(read)).not.toHaveProperty('secret');
    const list = await harness.as('admin', { method: 'GET', url: '/v1/webhooks' });
    expect(list.body).not.toContain(created.secret!.slice(6));
    expect(bodyOf<{ items: SubscriptionView[] }>(list).items.map((item) => item.id)).toEqual([created.id]);
  });

  it('keeps a secret the client chose and refuses one that is not whsec_ + 24 to 64 bytes of base64', async () => {
    harness = await startHarness({ deliver: false });
    const secret = generateSecret();
    expect((await create({ url: 'http://127.0.0.1:9/a', secret })).secret).toBe(secret);
    const short = await harness.as('admin', {
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: 'http://127.0.0.1:9/a', secret: `whsec_${Buffer.alloc(16).toString('base64')}` },
    });
    expect(short.statusCode).toBe(400);
    expect(errorOf(short).message).toContain('secret');
  });

  it('refuses a URL that reaches an internal address with 400 naming body.url', async () => {
    harness = await startHarness({ deliver: false, webhooks: { allowNetworks: [] } });
    const response = await harness.as('admin', {
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: 'http://169.254.169.254/latest/meta-data/' },
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toEqual({
      code: 'KW_ERR_BAD_REQUEST',
      message: expect.stringMatching(/^body\.url is not allowed: 169\.254\.169\.254 is a link-local address/),
    });
  });

  it('is for admins only', async () => {
    harness = await startHarness({ deliver: false });
    for (const scope of ['read', 'write'] as const) {
      const response = await harness.as(scope, { method: 'GET', url: '/v1/webhooks' });
      expect(response.statusCode).toBe(403);
    }
    expect((await harness.as('nobody', { method: 'GET', url: '/v1/webhooks' })).statusCode).toBe(401);
  });

  it('changes filters, types, format and description', async () => {
    harness = await startHarness({ deliver: false });
    const created = await create({ url: 'http://127.0.0.1:9/a' });
    const response = await harness.as('admin', {
      method: 'PATCH',
      url: `/v1/webhooks/${created.id}`,
      payload: {
        filters: { minSeverity: 'critical', keyIds: ['key-1'] },
        types: ['alert.resolved'],
        format: 'slack',
        description: 'pager',
      },
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      filters: { minSeverity: 'critical', keyIds: ['key-1'] },
      types: ['alert.resolved'],
      format: 'slack',
      description: 'pager',
    });
    expect(bodyOf(response)).not.toHaveProperty('secret');
  });

  it('rotates the secret: the new one is answered once and the old one keeps signing for a while', async () => {
    harness = await startHarness({ deliver: false });
    const target = await receiver();
    const created = await create({ url: target.url });
    const rotated = bodyOf<SubscriptionView>(
      await harness.as('admin', {
        method: 'PATCH',
        url: `/v1/webhooks/${created.id}`,
        payload: { rotateSecret: true },
      }),
    );
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt!)).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    await harness.as('admin', { method: 'POST', url: `/v1/webhooks/${created.id}/test` });
    const [request] = await target.waitForRequests(1);
    const headers = request!.headers as Record<string, string>;
    expect(new Webhook(rotated.secret!).verify(request!.body, headers)).toMatchObject({
      type: 'webhook.test',
    });
    expect(new Webhook(created.secret!).verify(request!.body, headers)).toMatchObject({
      type: 'webhook.test',
    });

    const both = await harness.as('admin', {
      method: 'PATCH',
      url: `/v1/webhooks/${created.id}`,
      payload: { rotateSecret: true, secret: generateSecret() },
    });
    expect(both.statusCode).toBe(400);
  });

  it('deletes a subscription', async () => {
    harness = await startHarness({ deliver: false });
    const created = await create({ url: 'http://127.0.0.1:9/a' });
    const deleted = await harness.as('admin', { method: 'DELETE', url: `/v1/webhooks/${created.id}` });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await harness.as('admin', { method: 'GET', url: `/v1/webhooks/${created.id}` })).statusCode).toBe(
      404,
    );
    expect(
      (await harness.as('admin', { method: 'DELETE', url: `/v1/webhooks/${created.id}` })).statusCode,
    ).toBe(404);
  });

  it('keeps subscriptions from configuration read-only except for enabled', async () => {
    harness = await startHarness({
      deliver: false,
      webhooks: { subscriptions: [{ url: 'http://127.0.0.1:9/config', secret: generateSecret() }] },
    });
    const [configured] = bodyOf<{ items: SubscriptionView[] }>(
      await harness.as('admin', { method: 'GET', url: '/v1/webhooks' }),
    ).items;
    expect(configured).toMatchObject({ source: 'config', id: expect.stringMatching(/^cfg-/) });
    const patch = await harness.as('admin', {
      method: 'PATCH',
      url: `/v1/webhooks/${configured!.id}`,
      payload: { url: 'http://127.0.0.1:9/other' },
    });
    expect(patch.statusCode).toBe(409);
    expect(errorOf(patch).code).toBe('KW_ERR_CONFLICT');
    expect(
      (await harness.as('admin', { method: 'DELETE', url: `/v1/webhooks/${configured!.id}` })).statusCode,
    ).toBe(409);
    const disable = await harness.as('admin', {
      method: 'PATCH',
      url: `/v1/webhooks/${configured!.id}`,
      payload: { enabled: false },
    });
    expect(bodyOf(disable)).toMatchObject({ enabled: false });
  });

  it('re-enables a subscription that was disabled automatically', async () => {
    harness = await startHarness({ deliver: false });
    const created = await create({ url: 'http://127.0.0.1:9/a' });
    await harness.store.webhooks.disableSubscription(created.id, 'gone', new Date().toISOString());
    const disabled = bodyOf<SubscriptionView>(
      await harness.as('admin', { method: 'GET', url: `/v1/webhooks/${created.id}` }),
    );
    expect(disabled.disabledReason).toBe('gone');
    const enabled = await harness.as('admin', {
      method: 'PATCH',
      url: `/v1/webhooks/${created.id}`,
      payload: { enabled: true },
    });
    expect(bodyOf(enabled)).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
  });
});

describe('POST /v1/webhooks/:id/test', () => {
  it('sends a signed webhook.test message with a sample alert and tells how it went', async () => {
    harness = await startHarness({ deliver: false });
    const target = await receiver();
    const created = await create({ url: target.url });
    const response = await harness.as('admin', { method: 'POST', url: `/v1/webhooks/${created.id}/test` });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      success: true,
      statusCode: 204,
      error: null,
      messageId: expect.stringMatching(/^msg_/),
    });
    const [request] = target.requests;
    const payload = new Webhook(created.secret!).verify(
      request!.body,
      request!.headers as Record<string, string>,
    );
    expect(payload).toMatchObject({ type: 'webhook.test', data: { keyId: 'sample-key', severity: 'high' } });
  });

  it('reports a failing receiver and records the attempt in the deliveries', async () => {
    harness = await startHarness({ deliver: false });
    const target = await receiver(() => ({ status: 500 }));
    const created = await create({ url: target.url });
    const result = bodyOf<{ messageId: string }>(
      await harness.as('admin', { method: 'POST', url: `/v1/webhooks/${created.id}/test` }),
    );
    expect(result).toMatchObject({ success: false, statusCode: 500, error: 'answered 500' });
    const deliveries = bodyOf<{ items: Array<Record<string, unknown>> }>(
      await harness.as('admin', { method: 'GET', url: `/v1/webhooks/${created.id}/deliveries` }),
    );
    expect(deliveries.items).toEqual([
      expect.objectContaining({
        messageId: result.messageId,
        type: 'webhook.test',
        attempt: 1,
        statusCode: 500,
        success: false,
        messageState: 'failed',
        nextAttemptAt: null,
      }),
    ]);
  });

  it('answers 404 for an unknown subscription', async () => {
    harness = await startHarness({ deliver: false });
    const response = await harness.as('admin', {
      method: 'POST',
      url: '/v1/webhooks/wh_000000000000000000000000/test',
    });
    expect(response.statusCode).toBe(404);
  });
});

describe('deliveries and redelivery', () => {
  it('lists attempts newest first with their timing, page by page', async () => {
    harness = await startHarness({ webhooks: { retryScheduleMs: [0, 50, 50, 50] } });
    const target = await receiver((_request, index) => ({ status: index < 3 ? 503 : 200 }));
    const created = await create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    await target.waitForRequests(4);
    const first = await eventually(async () => {
      const page = bodyOf<{ items: Array<Record<string, unknown>>; nextCursor: string | null }>(
        await harness!.as('admin', { method: 'GET', url: `/v1/webhooks/${created.id}/deliveries?limit=3` }),
      );
      return page.items[0]?.success === true ? page : undefined;
    });
    expect(first.items.map((item) => item.attempt)).toEqual([4, 3, 2]);
    expect(first.items[0]).toMatchObject({
      statusCode: 200,
      messageState: 'delivered',
      durationMs: expect.any(Number),
    });
    const second = bodyOf<{ items: Array<Record<string, unknown>>; nextCursor: string | null }>(
      await harness.as('admin', {
        method: 'GET',
        url: `/v1/webhooks/${created.id}/deliveries?limit=3&cursor=${first.nextCursor}`,
      }),
    );
    expect(second.items.map((item) => item.attempt)).toEqual([1]);
    expect(second.nextCursor).toBeNull();
  });

  it('redelivers a failed message by hand with the same webhook-id', async () => {
    harness = await startHarness({ webhooks: { retryScheduleMs: [0] } });
    let healthy = false;
    const target = await receiver(() => ({ status: healthy ? 200 : 500 }));
    const created = await create({ url: target.url });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    const [failed] = await target.waitForRequests(1);
    const messageId = String(failed!.headers['webhook-id']);
    await eventually(async () => {
      const page = await harness!.store.webhooks.listAttempts(created.id, { limit: 1 });
      return page.items[0]?.messageState === 'failed' ? true : undefined;
    });

    healthy = true;
    const response = await harness.as('admin', {
      method: 'POST',
      url: `/v1/webhooks/${created.id}/deliveries/${messageId}/redeliver`,
    });
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ messageId, state: 'pending' });
    const [, again] = await target.waitForRequests(2);
    expect(again!.headers['webhook-id']).toBe(messageId);
    const delivered = await eventually(async () => {
      const page = await harness!.store.webhooks.listAttempts(created.id, { limit: 1, messageId });
      return page.items[0]?.messageState === 'delivered' ? page.items[0] : undefined;
    });
    expect(delivered).toMatchObject({ attempt: 2, success: true });

    const unknown = await harness.as('admin', {
      method: 'POST',
      url: `/v1/webhooks/${created.id}/deliveries/msg_${'0'.repeat(32)}/redeliver`,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('refuses to redeliver a message that is still pending', async () => {
    harness = await startHarness({ deliver: false });
    const created = await create({ url: 'http://127.0.0.1:9/a' });
    await commitChanges(harness, [changeOf('opened', alertFixture())]);
    const [message] = await harness.store.webhooks.claim({
      lease: 'look',
      now: Date.now(),
      leaseMs: 1,
      limit: 1,
    });
    const response = await harness.as('admin', {
      method: 'POST',
      url: `/v1/webhooks/${created.id}/deliveries/${message!.id}/redeliver`,
    });
    expect(response.statusCode).toBe(409);
  });
});
