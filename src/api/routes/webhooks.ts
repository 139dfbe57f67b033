import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KeywatchError } from '../../errors.js';
import type { WebhookSubscriptionRecord } from '../../store/types.js';
import {
  DeliveriesQuery,
  DeliveryPage,
  MessageParams,
  Redelivery,
  TestDelivery,
  WebhookCreate,
  WebhookList,
  WebhookParams,
  WebhookPatch,
  WebhookSubscription,
  WebhookSubscriptionPatched,
  WebhookSubscriptionWithSecret,
} from '../../webhooks/api-schemas.js';
import type { WebhookService } from '../../webhooks/service.js';
import { AUTHENTICATED_ERRORS, errorResponse, errorResponses } from '../schemas.js';

const CONFLICT = {
  409: errorResponse(
    'The subscription is in a conflicting state, e.g. managed by configuration (KW_ERR_CONFLICT).',
  ),
};

/** The API's view of a subscription: everything but its secrets. */
export function subscriptionView(record: WebhookSubscriptionRecord) {
  return {
    id: record.id,
    url: record.url,
    description: record.description,
    filters: record.filters,
    types: record.types,
    format: record.format,
    enabled: record.enabled,
    disabledReason: record.disabledReason ?? null,
    disabledAt: record.disabledAt ?? null,
    failingSince: record.failingSince ?? null,
    previousSecretExpiresAt:
      record.previousSecretExpiresAt !== undefined && record.previousSecretExpiresAt > Date.now()
        ? new Date(record.previousSecretExpiresAt).toISOString()
        : null,
    source: record.source,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * Webhook subscriptions (scope admin): create, list, read, change (with secret rotation), delete,
 * send a test message, list delivery attempts, redeliver a message.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (
  app,
  { webhooks },
) => {
  const registry = webhooks.subscriptions;
  const tags = ['webhooks'];

  app.post(
    '/v1/webhooks',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Subscribe a URL to alerts',
        description:
          'Deliveries follow Standard Webhooks: headers webhook-id, webhook-timestamp and webhook-signature ' +
          '(v1,<base64 HMAC-SHA256 of "id.timestamp.body"> keyed by the base64 part of the secret), body ' +
          '{ type, timestamp, data: <alert> }. The secret is answered once.',
        body: WebhookCreate,
        response: {
          201: WebhookSubscriptionWithSecret,
          ...errorResponses(...AUTHENTICATED_ERRORS, 413, 415),
          ...CONFLICT,
        },
      },
    },
    async (request, reply) => {
      const { record, secret } = await registry.create(request.body);
      return reply.code(201).send({ ...subscriptionView(record), secret });
    },
  );

  app.get(
    '/v1/webhooks',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'List webhook subscriptions',
        response: { 200: WebhookList, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async () => ({ items: (await registry.list()).map(subscriptionView) }),
  );

  app.get(
    '/v1/webhooks/:webhookId',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'One webhook subscription',
        params: WebhookParams,
        response: { 200: WebhookSubscription, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => subscriptionView(await registry.get(request.params.webhookId)),
  );

  app.patch(
    '/v1/webhooks/:webhookId',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Change a webhook subscription, rotate its secret, enable or disable it',
        description:
          'A new secret (given as secret, or generated with rotateSecret: true and answered once) does not ' +
          'cut off the old one: deliveries carry a signature with each for webhooks.previousSecretHours.',
        params: WebhookParams,
        body: WebhookPatch,
        response: {
          200: WebhookSubscriptionPatched,
          ...errorResponses(...AUTHENTICATED_ERRORS, 404, 413, 415),
          ...CONFLICT,
        },
      },
    },
    async (request) => {
      const { record, secret } = await registry.update(request.params.webhookId, request.body);
      return secret === undefined ? subscriptionView(record) : { ...subscriptionView(record), secret };
    },
  );

  app.delete(
    '/v1/webhooks/:webhookId',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Delete a webhook subscription with its pending messages and delivery history',
        params: WebhookParams,
        response: {
          204: { type: 'null', description: 'Deleted.' },
          ...errorResponses(...AUTHENTICATED_ERRORS, 404),
          ...CONFLICT,
        },
      },
    },
    async (request, reply) => {
      await registry.remove(request.params.webhookId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/webhooks/:webhookId/test',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Send a webhook.test message with a sample alert now',
        description: 'One signed attempt, recorded in the deliveries; the answer tells how it went.',
        params: WebhookParams,
        response: { 200: TestDelivery, ...errorResponses(...AUTHENTICATED_ERRORS, 404), ...CONFLICT },
      },
    },
    async (request) => webhooks.sendTest(request.params.webhookId),
  );

  app.get(
    '/v1/webhooks/:webhookId/deliveries',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Delivery attempts of a subscription, newest first',
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryPage, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => {
      const { webhookId } = request.params;
      await registry.get(webhookId);
      const { limit, cursor, messageId } = request.query;
      return webhooks.store.listAttempts(webhookId, {
        limit: limit ?? 50,
        ...(cursor !== undefined ? { before: cursor } : {}),
        ...(messageId !== undefined ? { messageId } : {}),
      });
    },
  );

  app.post(
    '/v1/webhooks/:webhookId/deliveries/:messageId/redeliver',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Deliver a failed (or delivered) message once more, now',
        params: MessageParams,
        response: { 202: Redelivery, ...errorResponses(...AUTHENTICATED_ERRORS, 404), ...CONFLICT },
      },
    },
    async (request, reply) => {
      const { webhookId, messageId } = request.params;
      await registry.get(webhookId);
      const outcome = await webhooks.store.redeliver(webhookId, messageId, Date.now());
      if (outcome === 'not_found') throw new KeywatchError('KW_ERR_NOT_FOUND', 'No message with this id');
      if (outcome === 'pending') {
        throw new KeywatchError('KW_ERR_CONFLICT', 'The message is still being delivered (pending)');
      }
      webhooks.wake();
      return reply.code(202).send({ messageId, state: 'pending' as const });
    },
  );
};
