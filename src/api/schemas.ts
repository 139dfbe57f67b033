import Type, { type TSchema } from 'typebox';
import { PolicyInput } from '../config/schema.js';
import { ALERT_STATUSES, SEVERITIES } from '../engine/types.js';

/**
 * The HTTP API's TypeBox schemas: one declaration gives route validation, response serialization,
 * the OpenAPI document and the handler types. Response objects list every field they send, because
 * fast-json-stringify drops undeclared ones; the open-ended parts (evidence, learned profiles) are
 * declared as records so they pass through whole.
 */

// Control characters are refused in identifiers: they never name a real key, and PostgreSQL
// rejects NUL in text, which would turn a bad request into a store failure.
const PRINTABLE = '^[^\\u0000-\\u001F\\u007F]+$';
const NO_NUL = '^[^\\u0000]*$';

const KEY_ID_OPTIONS = { minLength: 1, maxLength: 256, pattern: PRINTABLE };

/** A key identifier as events carry it: 1–256 printable characters. */
export const KeyId = Type.String(KEY_ID_OPTIONS);

/** An alert id (`kw_` and 24 hex digits, derived from the key and the episode start). */
export const AlertId = Type.String({ pattern: '^kw_[0-9a-f]{24}$' });

const DetectorId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
  description: 'Detector id, e.g. unfamiliar-ip.',
});
const IsoTime = Type.String({ format: 'date-time' });
const AlertCursor = Type.String({
  minLength: 1,
  maxLength: 2048,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'Opaque cursor: the nextCursor of the previous page.',
});
const PageLimit = (fallback: number) =>
  Type.Integer({ minimum: 1, maximum: 500, description: `Page size (default ${fallback}).` });

export const Severity = Type.Enum([...SEVERITIES]);
export const AlertStatus = Type.Enum([...ALERT_STATUSES]);
/** The statuses a person may set (open and closed are otherwise the engine's). */
export const TriageStatus = Type.Enum(['acknowledged', 'resolved', 'false_positive', 'open']);

/** Every error answer: `{ "error": { "code": "KW_ERR_…", "message": "…" } }`. */
export function errorResponse(description: string) {
  return Type.Object(
    {
      error: Type.Object({
        code: Type.String({ pattern: '^KW_ERR_[A-Z_]+$' }),
        message: Type.String(),
      }),
    },
    { description },
  );
}

const ERROR_DESCRIPTIONS = {
  400: 'The request is not valid (KW_ERR_BAD_REQUEST names the field).',
  401: 'A valid bearer token is required (KW_ERR_UNAUTHORIZED).',
  403: 'The token lacks the scope this route needs (KW_ERR_FORBIDDEN).',
  404: 'No such resource (KW_ERR_NOT_FOUND).',
  413: 'The request body is too large (KW_ERR_PAYLOAD_TOO_LARGE).',
  415: 'Unsupported content type (KW_ERR_BAD_REQUEST).',
  429: 'Too many requests (KW_ERR_RATE_LIMITED).',
  503: 'The service is not ready (KW_ERR_UNAVAILABLE).',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error answers of a route, for its `response` schema. */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, TSchema> {
  const responses: Record<number, TSchema> = {};
  for (const status of statuses) responses[status] = errorResponse(ERROR_DESCRIPTIONS[status]);
  return responses;
}

/** Error answers every authenticated route can give. */
export const AUTHENTICATED_ERRORS: ErrorStatus[] = [400, 401, 403, 429];

export const TimelineEntry = Type.Object({
  ts: IsoTime,
  detector: Type.String(),
  score: Type.Number(),
  risk: Type.Number(),
  subject: Type.String(),
  title: Type.String(),
  explanation: Type.String(),
  ip: Type.String(),
});

export const Alert = Type.Object(
  {
    id: Type.String(),
    keyId: Type.String(),
    orgId: Type.Optional(Type.String()),
    detector: Type.String({ description: 'The main contributor.' }),
    detectors: Type.Array(Type.String()),
    severity: Severity,
    score: Type.Number({ minimum: 0, maximum: 1 }),
    ts: IsoTime,
    lastSeen: IsoTime,
    count: Type.Integer(),
    status: AlertStatus,
    title: Type.String(),
    summary: Type.String(),
    evidence: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'Per detector, the evidence of its strongest finding, with the baseline it was compared with.',
    }),
    ips: Type.Array(Type.String()),
    closedAt: Type.Optional(IsoTime),
  },
  { description: 'An alert episode (DESIGN.md contract 3).' },
);

export const AlertStatusChange = Type.Object({
  status: TriageStatus,
  note: Type.Optional(Type.String()),
  actor: Type.String(),
  at: IsoTime,
});

export const AlertQuery = Type.Object(
  {
    keyId: Type.Optional(KeyId),
    severity: Type.Optional(Type.Enum([...SEVERITIES], { description: 'Minimum severity (inclusive).' })),
    detector: Type.Optional(DetectorId),
    status: Type.Optional(AlertStatus),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Alerts starting at or after.' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Alerts starting before.' })),
    limit: Type.Optional(PageLimit(50)),
    cursor: Type.Optional(AlertCursor),
  },
  { additionalProperties: false },
);

export const AlertPage = Type.Object(
  {
    items: Type.Array(Alert),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { description: 'A page of alerts, newest first.' },
);

export const AlertDetail = Type.Object(
  {
    alert: Alert,
    timeline: Type.Array(TimelineEntry),
    statusHistory: Type.Array(AlertStatusChange),
  },
  { description: 'The alert with its timeline of findings and its status history.' },
);

export const AlertParams = Type.Object({ id: AlertId }, { additionalProperties: false });

export const AlertUpdate = Type.Object(
  {
    status: TriageStatus,
    note: Type.Optional(
      Type.String({ maxLength: 2000, pattern: NO_NUL, description: 'Why (kept in the status history).' }),
    ),
  },
  { additionalProperties: false },
);

export const KeyParams = Type.Object({ keyId: KeyId }, { additionalProperties: false });

export const KeyListQuery = Type.Object(
  {
    limit: Type.Optional(PageLimit(50)),
    cursor: Type.Optional(
      Type.String({
        ...KEY_ID_OPTIONS,
        description: 'The nextCursor of the previous page (the last key id).',
      }),
    ),
  },
  { additionalProperties: false },
);

const KeySummaryProperties = {
  keyId: Type.String(),
  orgId: Type.Union([Type.String(), Type.Null()]),
  events: Type.Integer(),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
  learning: Type.Number({
    minimum: 0,
    maximum: 1,
    description: 'How far the key is through its learning period.',
  }),
  risk: Type.Number({ minimum: 0, maximum: 1 }),
  openAlerts: Type.Integer(),
  revoked: Type.Boolean(),
};

export const KeySummary = Type.Object(KeySummaryProperties);

export const KeyPage = Type.Object(
  {
    items: Type.Array(KeySummary),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { description: 'A page of keys, by key id.' },
);

export const KeyClient = Type.Object({
  network: Type.String(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  endpoints: Type.Array(Type.String()),
  events: Type.Integer(),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
});

export const KeyProfile = Type.Object(
  {
    ...KeySummaryProperties,
    timezone: Type.String(),
    profile: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
      description: 'The learned profile, per detector.',
    }),
    clients: Type.Array(KeyClient, {
      description: 'The clients that use the key (would break on rotation).',
    }),
    policy: PolicyInput,
  },
  { description: 'The key with its learned profile, clients and own policy.' },
);

export { PolicyInput };

export const EventsBody = Type.Union([Type.Object({}), Type.Array(Type.Unknown())], {
  description:
    'One event object, a JSON array of events, or (Content-Type: application/x-ndjson) one event per line. ' +
    'Each event: ts (ISO-8601 with offset, or epoch ms), keyId, ip, and optionally method, path, status, ' +
    'bytesOut, bytesIn, userAgent, orgId, requestId (the canonical event format). Invalid events are listed in ' +
    'the answer, not refused with the request.',
  examples: [
    [
      {
        ts: '2026-11-03T09:10:12.000Z',
        keyId: 'app-key-7f3a',
        ip: '81.2.69.160',
        method: 'GET',
        path: '/v1/rooms',
        status: 200,
        userAgent: 'webex-bot/2.1',
      },
    ],
  ],
});

export const IngestResult = Type.Object(
  {
    accepted: Type.Integer(),
    rejected: Type.Array(
      Type.Object({
        index: Type.Integer({ description: '0-based position in the array (NDJSON: line number - 1).' }),
        reason: Type.String(),
        message: Type.String(),
      }),
    ),
  },
  { description: 'How many events were accepted, and why each other one was rejected.' },
);

export const HealthStatus = Type.Object({ status: Type.String() }, { description: 'The process status.' });
