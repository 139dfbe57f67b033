import Type, { type Static } from 'typebox';
import { KafkaConfig } from '../sources/kafka-config.js';
import { WebhooksConfig } from '../webhooks/config.js';

const BusinessHours = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
      description: 'Days of the week, 0 = Sunday … 6 = Saturday.',
      minItems: 1,
      maxItems: 7,
    }),
    startHour: Type.Integer({ minimum: 0, maximum: 23, description: 'First business hour (local).' }),
    endHour: Type.Integer({
      minimum: 1,
      maximum: 24,
      description: 'End of business hours, exclusive (local).',
    }),
  },
  { additionalProperties: false },
);

/** A policy as written in config or sent to the API: every field optional, merged global → org → key. */
export const PolicyInput = Type.Object(
  {
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone.' })),
    businessHours: Type.Optional(BusinessHours),
    allowCidrs: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 64 }), {
        maxItems: 256,
        description: 'CIDR ranges whose use is never unfamiliar.',
      }),
    ),
    allowCountries: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), {
        maxItems: 256,
        description: 'ISO 3166 country codes whose use is never unfamiliar.',
      }),
    ),
    revoked: Type.Optional(Type.Boolean({ description: 'Any use of a revoked key is a critical alert.' })),
  },
  { additionalProperties: false },
);
export type PolicyInput = Static<typeof PolicyInput>;

const FieldPath = Type.String({ minLength: 1, maxLength: 128 });

export const EventsConfig = Type.Object(
  {
    format: Type.Union([Type.Literal('canonical'), Type.Literal('webex-audit'), Type.Literal('mapped')], {
      default: 'canonical',
      description: 'Input format: canonical (DESIGN.md contract 1), webex-audit, or mapped (see mapping).',
    }),
    mapping: Type.Object(
      {
        ts: Type.Optional(FieldPath),
        keyId: Type.Optional(FieldPath),
        ip: Type.Optional(FieldPath),
        method: Type.Optional(FieldPath),
        path: Type.Optional(FieldPath),
        status: Type.Optional(FieldPath),
        bytesOut: Type.Optional(FieldPath),
        bytesIn: Type.Optional(FieldPath),
        userAgent: Type.Optional(FieldPath),
        orgId: Type.Optional(FieldPath),
        requestId: Type.Optional(FieldPath),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'For format "mapped": the dotted source path of each canonical field.',
      },
    ),
    maxLineBytes: Type.Integer({
      minimum: 256,
      maximum: 16_777_216,
      default: 65_536,
      description: 'Longer lines/messages are rejected as oversized_line.',
    }),
    maxFieldChars: Type.Integer({
      minimum: 16,
      maximum: 1_048_576,
      default: 4096,
      description: 'Longer string fields are rejected as oversized_field.',
    }),
    maxFutureSeconds: Type.Integer({
      minimum: 0,
      default: 300,
      description: 'Events later than the wall clock plus this are rejected as future_ts.',
    }),
    reorderWindowSeconds: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 60,
      description: 'Events may arrive this much out of order (event time) and are still processed in order.',
    }),
    dedupeCapacity: Type.Integer({
      minimum: 0,
      default: 200_000,
      description: 'Recent requestIds remembered to drop exact duplicates (0 turns dedupe off).',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const EngineConfig = Type.Object(
  {
    combineWindowMinutes: Type.Number({
      exclusiveMinimum: 0,
      default: 15,
      description: 'Findings of one key within this event time combine into one risk.',
    }),
    episodeQuietMinutes: Type.Number({
      exclusiveMinimum: 0,
      default: 120,
      description: 'An alert episode closes after this much event time without findings.',
    }),
    keyRetentionDays: Type.Number({
      exclusiveMinimum: 0,
      default: 90,
      description:
        'A key unused for this much event time is forgotten (memory and store; its alerts stay). If it ' +
        'is used again it starts afresh, as a new key of its organisation: after that long its profile ' +
        'would be stale anyway, and keys that are rotated away would otherwise be kept for ever.',
    }),
    openThreshold: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.3,
      description: 'Minimum combined risk that opens an alert episode (lower findings are only learned).',
    }),
    severity: Type.Object(
      {
        medium: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.5,
          description: 'Risk from which an alert is medium.',
        }),
        high: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.7,
          description: 'Risk from which an alert is high.',
        }),
        critical: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.9,
          description: 'Risk from which an alert is critical.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    detectorWeights: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 2 }), {
      default: {},
      description: 'Optional multiplier of each detector score before combination, by detector id.',
    }),
    maxTimelineEntries: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 100,
      description: 'Findings kept in an alert timeline.',
    }),
    maxAlertIps: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 20,
      description: 'Source IPs listed per alert.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const EnrichConfig = Type.Object(
  {
    geoCacheSize: Type.Integer({
      minimum: 0,
      default: 100_000,
      description: 'Geo lookups cached (by address).',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const PoliciesConfig = Type.Object(
  {
    global: Type.Object(PolicyInput.properties, {
      default: {},
      additionalProperties: false,
      description: 'Policy for every key.',
    }),
    orgs: Type.Record(Type.String(), PolicyInput, {
      default: {},
      description: 'Policy per organisation id.',
    }),
    keys: Type.Record(Type.String(), PolicyInput, { default: {}, description: 'Policy per key id.' }),
  },
  { default: {}, additionalProperties: false },
);

const TokenScope = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')]);

export const ServerConfig = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', description: 'Address to listen on.' }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65_535,
      default: 8080,
      description: 'HTTP port (env KEYWATCH_PORT).',
    }),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      maximum: 268_435_456,
      default: 10_485_760,
      description: 'Largest accepted request body; larger requests get 413.',
    }),
    maxEventsPerRequest: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 10_000,
      description: 'Most events accepted in one POST /v1/events.',
    }),
    requestTimeoutMs: Type.Integer({
      minimum: 1000,
      default: 30_000,
      description: 'Requests taking longer are answered 408 and their sockets closed.',
    }),
    trustProxy: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 64,
      description:
        'Addresses or CIDR ranges of the reverse proxies in front of Keywatch (a load balancer, an ' +
        'ingress). A request from one of them counts as coming from the client address its ' +
        'X-Forwarded-For names (rate limits per address, logs); from anyone else X-Forwarded-For is ' +
        'ignored. Empty: it is always ignored. Env KEYWATCH_TRUST_PROXY, comma-separated.',
    }),
    rateLimit: Type.Object(
      {
        max: Type.Integer({ minimum: 1, default: 600, description: 'Requests per client per time window.' }),
        timeWindowMs: Type.Integer({ minimum: 1000, default: 60_000, description: 'Rate limit window.' }),
      },
      { default: {}, additionalProperties: false },
    ),
    tokens: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 128 }),
          scopes: Type.Array(TokenScope, { minItems: 1, uniqueItems: true }),
          sha256: Type.String({
            pattern: '^[0-9a-f]{64}$',
            description: 'SHA-256 (hex) of the token: tokens never appear in clear in config.',
          }),
        },
        { additionalProperties: false },
      ),
      {
        default: [],
        description:
          'API tokens with scopes, by hash (env KEYWATCH_API_TOKEN adds one admin token for a quick start).',
      },
    ),
  },
  { default: {}, additionalProperties: false },
);

export const StoreConfig = Type.Object(
  {
    url: Type.String({
      default: 'sqlite:./data/keywatch.db',
      description: 'sqlite:PATH (embedded default) or postgres://… (env KEYWATCH_DATABASE_URL).',
    }),
    checkpointIntervalMs: Type.Integer({
      minimum: 0,
      default: 5000,
      description:
        'Key states are checkpointed at most this often (each batch is logged or its Kafka offsets kept, so nothing is lost in between; a restart replays the rest).',
    }),
    checkpointMaxBatches: Type.Integer({
      minimum: 1,
      default: 200,
      description:
        'Checkpoint after this many batches even before the interval, bounding the replay after a crash.',
    }),
    alertRetentionDays: Type.Integer({
      minimum: 0,
      default: 365,
      description:
        'Alerts last seen longer ago than this (in event time) are deleted with their timelines and status ' +
        'history: they hold addresses and user agents, personal data to keep no longer than needed ' +
        '(never sooner than twice engine.episodeQuietMinutes, so no episode still open loses its alert). ' +
        '0 keeps them for ever.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const KeywatchConfigSchema = Type.Object(
  {
    server: ServerConfig,
    store: StoreConfig,
    events: EventsConfig,
    engine: EngineConfig,
    enrich: EnrichConfig,
    policies: PoliciesConfig,
    kafka: KafkaConfig,
    webhooks: WebhooksConfig,
    detectors: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
      default: {},
      description: "Each detector's settings, by detector id; validated against the detector's own schema.",
    }),
  },
  { additionalProperties: false },
);

export type KeywatchConfigInput = Static<typeof KeywatchConfigSchema>;
