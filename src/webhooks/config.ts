import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { SEVERITIES } from '../engine/types.js';

/** The alert event types a subscription or a stream client can ask for. */
export const ALERT_EVENT_TYPES = ['alert.opened', 'alert.updated', 'alert.resolved'] as const;

/** Payload formats: Standard Webhooks JSON, or a message for Slack incoming webhooks. */
export const WEBHOOK_FORMATS = ['standard', 'slack'] as const;

/** Standard Webhooks secrets: `whsec_` and the base64 of 24 to 64 random bytes. */
export const WEBHOOK_SECRET_PATTERN = '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$';

const DetectorId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' });
const Identifier = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001F\\u007F]+$' });

/** What a subscription (or a stream client) wants to hear about; every list is "any of". */
export const WebhookFilters = Type.Object(
  {
    minSeverity: Type.Optional(
      Type.Enum([...SEVERITIES], { description: 'Lowest alert severity sent (default medium).' }),
    ),
    detectors: Type.Optional(
      Type.Array(DetectorId, {
        maxItems: 64,
        uniqueItems: true,
        description: 'Only alerts to which one of these detectors contributed.',
      }),
    ),
    keyIds: Type.Optional(
      Type.Array(Identifier, {
        maxItems: 1000,
        uniqueItems: true,
        description: 'Only alerts of these keys.',
      }),
    ),
    orgIds: Type.Optional(
      Type.Array(Identifier, {
        maxItems: 1000,
        uniqueItems: true,
        description: 'Only alerts of keys of these organisations.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WebhookFilters = Static<typeof WebhookFilters>;

export const WebhookEventTypes = Type.Array(Type.Enum([...ALERT_EVENT_TYPES]), {
  minItems: 1,
  uniqueItems: true,
  description:
    'alert.opened (an episode opens), alert.updated (its severity rises or a detector joins), ' +
    'alert.resolved (the episode closes, or a person resolves it or marks it a false positive).',
});

export const WebhookFormat = Type.Enum([...WEBHOOK_FORMATS], {
  description: 'standard (Standard Webhooks JSON) or slack (a Slack incoming-webhook message).',
});

const ConfigSubscription = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9-]{0,47}$',
        description: 'Stable name of the subscription (default: derived from the url).',
      }),
    ),
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL the alerts are POSTed to.' }),
    secret: Type.String({
      pattern: WEBHOOK_SECRET_PATTERN,
      description: 'Signing secret, whsec_ + base64 of 24–64 random bytes.',
    }),
    filters: Type.Optional(WebhookFilters),
    types: Type.Optional(WebhookEventTypes),
    format: Type.Optional(WebhookFormat),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ConfigSubscription = Static<typeof ConfigSubscription>;

/** Svix's schedule, which Standard Webhooks suggests: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_MS = [
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/** The `webhooks` section: delivery of alerts to subscribed URLs and the live stream. */
export const WebhooksConfig = Type.Object(
  {
    allowNetworks: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 256,
      description:
        'CIDR ranges webhooks may reach although they are private, loopback, link-local or otherwise ' +
        'internal (refused by default against SSRF), e.g. 10.20.0.0/16 for an on-premise SOAR (env ' +
        'KEYWATCH_WEBHOOKS_ALLOW_NETWORKS, comma-separated).',
    }),
    timeoutMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 10_000,
      description: 'A delivery attempt that has not answered within this time fails.',
    }),
    maxConcurrencyPerEndpoint: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 8,
      description: 'Most deliveries in flight to one subscription at once.',
    }),
    retryScheduleMs: Type.Array(Type.Integer({ minimum: 0, maximum: 604_800_000 }), {
      minItems: 1,
      maxItems: 30,
      default: DEFAULT_RETRY_SCHEDULE_MS,
      description:
        'Delay before each attempt of a message, in ms: the first (0 = at once), then after each failure. ' +
        'Its length is the number of attempts.',
    }),
    retryJitter: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.2,
      description: 'Each retry delay is moved at random by up to this share, so retries do not synchronise.',
    }),
    maxRetryAfterSeconds: Type.Integer({
      minimum: 0,
      default: 86_400,
      description: "Longest Retry-After (of a 429 or 503 answer) honoured instead of the schedule's delay.",
    }),
    disableAfterFailingHours: Type.Number({
      exclusiveMinimum: 0,
      default: 120,
      description: 'A subscription whose deliveries have all failed for this long is disabled.',
    }),
    secretsKey: Type.String({
      default: '',
      maxLength: 128,
      description:
        'Key that encrypts the signing secrets of webhook subscriptions in the store (AES-256-GCM): 32 ' +
        'random bytes in base64 or hex (openssl rand -base64 32), the same on every instance of one ' +
        'database. Secrets stored in clear before it was set are encrypted at start. Empty: secrets ' +
        'are stored as given (start-up warns). Env KEYWATCH_WEBHOOK_SECRETS_KEY.',
    }),
    previousSecretsKeys: Type.Array(Type.String({ maxLength: 128 }), {
      default: [],
      maxItems: 8,
      description:
        'Former secretsKey values, to change the key: secrets encrypted with them are read and ' +
        'encrypted again with secretsKey at start; remove them once every instance has restarted.',
    }),
    previousSecretHours: Type.Number({
      minimum: 0,
      default: 24,
      description: 'After a secret rotation, deliveries carry a signature with the old secret this long too.',
    }),
    pollIntervalMs: Type.Integer({
      minimum: 10,
      default: 1000,
      description: 'How often the delivery worker looks for due messages (it is also woken by new alerts).',
    }),
    deliveryRetentionDays: Type.Number({
      exclusiveMinimum: 0,
      default: 7,
      description: 'Delivered and failed messages, with their attempts, are kept this long.',
    }),
    stream: Type.Object(
      {
        heartbeatSeconds: Type.Number({
          minimum: 1,
          maximum: 300,
          default: 15,
          description: 'A comment line is sent this often on GET /v1/stream so proxies keep it open.',
        }),
        retentionHours: Type.Number({
          exclusiveMinimum: 0,
          default: 72,
          description: 'Alert events are kept this long for clients that resume with Last-Event-ID.',
        }),
        pollIntervalMs: Type.Integer({
          minimum: 10,
          default: 250,
          description: 'How often the stream looks for alert events written by other instances or by people.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    subscriptions: Type.Array(ConfigSubscription, {
      default: [],
      maxItems: 100,
      description:
        'Subscriptions kept from configuration (managed by the API otherwise): url, secret, filters ' +
        '(minSeverity, detectors, keyIds, orgIds), types, format (standard|slack), description, enabled.',
    }),
  },
  { default: {}, additionalProperties: false },
);
export type WebhooksConfig = Static<typeof WebhooksConfig>;

/**
 * The `webhooks` section with every default filled in, plus `overrides`.
 *
 * @example
 * const config = defaultWebhooksConfig({ allowNetworks: ['127.0.0.0/8'] });
 */
export function defaultWebhooksConfig(overrides: Partial<WebhooksConfig> = {}): WebhooksConfig {
  return { ...(Value.Default(WebhooksConfig, {}) as WebhooksConfig), ...overrides };
}
