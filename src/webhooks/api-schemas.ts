import Type from 'typebox';
import { Alert } from '../api/schemas.js';
import { SEVERITIES } from '../engine/types.js';
import {
  ALERT_EVENT_TYPES,
  WEBHOOK_SECRET_PATTERN,
  WebhookEventTypes,
  WebhookFilters,
  WebhookFormat,
} from './config.js';

/**
 * TypeBox schemas of `/v1/webhooks` and `/v1/stream`: validation, responses and the OpenAPI document
 * from one declaration (see src/api/schemas.ts for the conventions).
 */

const NO_NUL = '^[^\\u0000]*$';
const IsoTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  pattern: '^https?://[^\\u0000-\\u0020]+$',
  description:
    'http(s) URL the alerts are POSTed to. Hosts that are or resolve to private, loopback, link-local, ' +
    'multicast or other internal addresses are refused unless webhooks.allowNetworks allows them.',
});

const Secret = Type.String({
  pattern: WEBHOOK_SECRET_PATTERN,
  description:
    'Signing secret, whsec_ + base64 of 24–64 random bytes; generated (and shown once) when absent.',
});

const Description = Type.String({ maxLength: 500, pattern: NO_NUL });

export const WebhookParams = Type.Object(
  { webhookId: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Subscription id.' }) },
  { additionalProperties: false },
);

export const MessageParams = Type.Object(
  {
    webhookId: WebhookParams.properties.webhookId,
    messageId: Type.String({
      pattern: '^msg_[0-9a-f]{32}$',
      description: 'Message id (the webhook-id header).',
    }),
  },
  { additionalProperties: false },
);

export const WebhookCreate = Type.Object(
  {
    url: WebhookUrl,
    secret: Type.Optional(Secret),
    description: Type.Optional(Description),
    filters: Type.Optional(WebhookFilters),
    types: Type.Optional(WebhookEventTypes),
    format: Type.Optional(WebhookFormat),
    enabled: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    examples: [
      {
        url: 'https://93.184.215.14/hooks/keywatch',
        description: 'SOAR intake',
        filters: { minSeverity: 'high', detectors: ['unfamiliar-ip'] },
        types: ['alert.opened', 'alert.resolved'],
      },
    ],
  },
);

export const WebhookPatch = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    secret: Type.Optional(Secret),
    rotateSecret: Type.Optional(
      Type.Boolean({
        description: 'Generate a new secret (answered once); the old one keeps signing a while.',
      }),
    ),
    description: Type.Optional(Description),
    filters: Type.Optional(WebhookFilters),
    types: Type.Optional(WebhookEventTypes),
    format: Type.Optional(WebhookFormat),
    enabled: Type.Optional(
      Type.Boolean({ description: 'true also re-enables a subscription that was disabled automatically.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const SubscriptionProperties = {
  id: Type.String(),
  url: Type.String(),
  description: Type.String(),
  filters: WebhookFilters,
  types: Type.Array(Type.String()),
  format: Type.String(),
  enabled: Type.Boolean(),
  disabledReason: Nullable(
    Type.String({ description: 'gone (the endpoint answered 410) or failing (it failed for too long).' }),
  ),
  disabledAt: Nullable(IsoTime),
  failingSince: Nullable(IsoTime),
  previousSecretExpiresAt: Nullable(
    Type.String({ description: 'During a rotation: until when deliveries also carry the old signature.' }),
  ),
  source: Type.String({ description: 'api, or config (managed in webhooks.subscriptions).' }),
  createdAt: IsoTime,
  updatedAt: IsoTime,
};

export const WebhookSubscription = Type.Object(SubscriptionProperties, {
  description: 'A webhook subscription (its secret is never shown again after it is set).',
});

export const WebhookSubscriptionWithSecret = Type.Object(
  { ...SubscriptionProperties, secret: Type.String({ description: 'The signing secret: shown this once.' }) },
  { description: 'The subscription with its new secret, shown this once.' },
);

export const WebhookSubscriptionPatched = Type.Object(
  {
    ...SubscriptionProperties,
    secret: Type.Optional(
      Type.String({ description: 'The generated secret (rotateSecret): shown this once.' }),
    ),
  },
  { description: 'The subscription; with secret when rotateSecret generated one.' },
);

export const WebhookList = Type.Object({ items: Type.Array(WebhookSubscription) });

export const TestDelivery = Type.Object(
  {
    messageId: Type.String(),
    success: Type.Boolean(),
    statusCode: Nullable(Type.Integer()),
    durationMs: Type.Number(),
    error: Nullable(Type.String()),
  },
  { description: 'How the one attempt to deliver a webhook.test message went.' },
);

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'Page size (default 50).' })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,15}$', description: 'nextCursor of the previous page.' }),
    ),
    messageId: Type.Optional(MessageParams.properties.messageId),
  },
  { additionalProperties: false },
);

export const DeliveryAttempt = Type.Object({
  id: Type.String(),
  messageId: Type.String(),
  type: Type.String(),
  alertId: Nullable(Type.String()),
  attempt: Type.Integer({ description: '1 for the first attempt of the message.' }),
  startedAt: IsoTime,
  durationMs: Type.Number(),
  statusCode: Nullable(Type.Integer()),
  success: Type.Boolean(),
  error: Nullable(Type.String()),
  messageState: Type.String({ description: 'pending, delivered or failed.' }),
  nextAttemptAt: Nullable(IsoTime),
});

export const DeliveryPage = Type.Object(
  { items: Type.Array(DeliveryAttempt), nextCursor: Nullable(Type.String()) },
  { description: 'Delivery attempts, newest first.' },
);

export const Redelivery = Type.Object(
  { messageId: Type.String(), state: Type.Literal('pending') },
  { description: 'The message is due again and will be attempted once more.' },
);

const OneOrMany = <T extends Parameters<typeof Type.Array>[0]>(schema: T) =>
  Type.Union([schema, Type.Array(schema, { maxItems: 100 })]);

export const StreamQuery = Type.Object(
  {
    severity: Type.Optional(Type.Enum([...SEVERITIES], { description: 'Minimum severity (inclusive).' })),
    detector: Type.Optional(OneOrMany(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }))),
    keyId: Type.Optional(
      OneOrMany(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001F\\u007F]+$' })),
    ),
    orgId: Type.Optional(
      OneOrMany(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001F\\u007F]+$' })),
    ),
    type: Type.Optional(OneOrMany(Type.Enum([...ALERT_EVENT_TYPES]))),
    lastEventId: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9][0-9]{0,15})$',
        description: 'Resume after this event id (as the Last-Event-ID header does).',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 500,
        description: 'JSON answers only: events per page (default 100).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const StreamEvent = Type.Object({
  id: Type.String({ description: 'Event id, increasing; resume after it with Last-Event-ID.' }),
  type: Type.String(),
  timestamp: IsoTime,
  data: Alert,
});

export const StreamPage = Type.Object(
  {
    items: Type.Array(StreamEvent),
    lastEventId: Type.String({
      description: 'Pass it back as lastEventId (or Last-Event-ID) for the next page.',
    }),
  },
  { description: 'Alert events after the given id, oldest first (JSON answer, for polling clients).' },
);
