import type { PolicyInput } from '../config/schema.js';
import type { Alert, AlertStatus, Severity, TimelineEntry } from '../engine/types.js';
import type { WebhookStore } from './webhook-types.js';

export type * from './webhook-types.js';

/** Filters of `GET /v1/alerts`; results are ordered newest first by (ts, id). */
export interface AlertQuery {
  keyId?: string;
  /** Minimum severity (inclusive). */
  severity?: Severity;
  /** Alerts where this detector contributed (any of `alert.detectors`). */
  detector?: string;
  status?: AlertStatus;
  /** ISO times bounding `alert.ts`: since inclusive, until exclusive. */
  since?: string;
  until?: string;
  /** 1–500. */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface AlertPage {
  items: Alert[];
  nextCursor: string | null;
}

/** An alert as the engine last produced it, plus the timeline entries added since the last commit. */
export interface AlertWrite {
  alert: Alert;
  newTimeline: TimelineEntry[];
  /** Kafka partition of the alert's key, when consumed from Kafka (see `StoreBatch.leases`). */
  partition?: number;
}

/** A key's engine state, versioned so a build with other state shapes can refuse or reset it. */
export interface KeyCheckpoint {
  keyId: string;
  orgId?: string;
  /** Version of the engine's key-state format (changes when any detector's version changes). */
  version: string;
  /** JSON-serialisable state. */
  state: unknown;
  /** Event time of the key's latest event. */
  lastSeen: number;
  /** Kafka partition that owns the key, when consumed from Kafka. */
  partition?: number;
}

export interface OrgCheckpoint {
  orgId: string;
  version: string;
  state: unknown;
}

/** Consumed position of one Kafka partition, committed with the state it produced. */
export interface OffsetCheckpoint {
  group: string;
  topic: string;
  partition: number;
  /** The next offset to consume (Kafka's committed-offset convention). */
  offset: string;
}

/**
 * An instance's claim on a Kafka partition's rows in the store (key states, offsets, alerts). Each
 * claim raises the partition's epoch; a batch written under an older epoch is fenced off.
 */
export interface PartitionLease {
  group: string;
  topic: string;
  partition: number;
  epoch: number;
}

/** What a commit left out (fenced partitions) and what it deleted (alerts past their retention). */
export interface CommitResult {
  /**
   * Partitions whose lease the batch held but another instance has claimed since: the batch's key
   * states, offsets and alerts of those partitions (and their webhook messages) were left out.
   */
  lostPartitions: number[];
  /** Alerts deleted by `pruneAlertsBefore` (present when the batch asked for it). */
  alertsPruned?: number;
}

/** Webhook event types (Standard Webhooks `type`). */
export type WebhookEventType = 'alert.opened' | 'alert.updated' | 'alert.resolved' | 'webhook.test';

/**
 * One message to deliver to one webhook subscription, written to the durable outbox in the same
 * transaction as the alert change that caused it. `id` is the `webhook-id` header, the same on every
 * retry; `body` is the payload exactly as it will be signed and sent.
 */
export interface OutboxMessage {
  id: string;
  subscriptionId: string;
  type: WebhookEventType;
  alertId?: string;
  body: string;
  createdAt: string;
  /** Epoch ms of the first attempt (default: at once). */
  dueAt?: number;
}

/** An ingest request's idempotency key and the answer it got (JSON), kept for a day. */
export interface IngestBatchRecord {
  id: string;
  result: string;
}

/** How long committed ingest batches are remembered for idempotent retries. */
export const INGEST_BATCH_RETENTION_MS = 24 * 3_600_000;

/** Everything that must become durable together (one transaction). */
export interface StoreBatch {
  alerts: AlertWrite[];
  keyStates: KeyCheckpoint[];
  /**
   * Alerts last seen before this instant (ISO 8601) are deleted with their timelines, detectors and
   * status changes (`store.alertRetentionDays`); before the batch's own alerts are written.
   */
  pruneAlertsBefore?: string;
  /** Keys forgotten (past `engine.keyRetentionDays`): their stored state is deleted. */
  forgottenKeys?: Array<{ keyId: string; partition?: number }>;
  orgStates?: OrgCheckpoint[];
  offsets?: OffsetCheckpoint[];
  /** The ingest request this batch came from, so a retry of it is answered without reprocessing. */
  ingestBatch?: IngestBatchRecord;
  /** Webhook messages caused by the alert changes of this batch (durable outbox). */
  outbox?: OutboxMessage[];
  /** The ingested events of this batch (a JSON array), logged until a checkpoint covers them. */
  eventLog?: EventLogEntry;
  /** The key states of this batch cover the event log up to this entry: delete those rows. */
  logCheckpoint?: { stream: string; seq: number };
  /**
   * The partition leases this batch is written under (consuming from Kafka). A lease whose epoch is
   * no longer the stored one was lost to another instance (this one stalled and was taken out of the
   * consumer group): what the batch holds for that partition is not written.
   */
  leases?: PartitionLease[];
}

/** One logged batch of ingested events. */
export interface EventLogEntry {
  /** The instance that wrote it. */
  stream: string;
  seq: number;
  /** JSON array of the batch's inputs as received (objects or NDJSON lines). */
  events: string;
}

export type TokenScope = 'read' | 'write' | 'admin';

export interface TokenRecord {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdAt: string;
  lastUsedAt?: string;
}

/**
 * Webhook messages for a person's change of an alert's status, given the alert as it now is and the
 * status it had; written in the status change's transaction.
 */
export type StatusOutbox = (alert: Alert, previousStatus: AlertStatus) => OutboxMessage[];

/** A human change of an alert's status. */
export interface AlertStatusChange {
  status: 'acknowledged' | 'resolved' | 'false_positive' | 'open';
  note?: string;
  actor: string;
  at: string;
}

/**
 * Durable storage of alerts, timelines, key state checkpoints, offsets, policies and API tokens.
 * Two implementations (SQLite, PostgreSQL) pass the same test suite.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending versioned migrations. */
  migrate(): Promise<void>;
  /**
   * Writes a batch atomically: alerts upserted by id, timelines appended, states and offsets replaced,
   * outbox messages added, and the alert change log appended (opened, escalated, closed). Rows of
   * partitions whose lease was lost are left out (see `StoreBatch.leases`).
   */
  commit(batch: StoreBatch): Promise<CommitResult>;
  /**
   * Takes the leases of these partitions for `owner`, raising each one's epoch: from now on only
   * batches written under the returned leases write those partitions' rows. Call before loading the
   * partitions' key states.
   */
  claimPartitions(
    group: string,
    topic: string,
    partitions: readonly number[],
    owner: string,
  ): Promise<PartitionLease[]>;
  getAlert(
    id: string,
  ): Promise<{ alert: Alert; timeline: TimelineEntry[]; statusHistory: AlertStatusChange[] } | undefined>;
  listAlerts(query: AlertQuery): Promise<AlertPage>;
  /**
   * Sets a human status; returns the updated alert or undefined when there is no such alert. A
   * resolution is written to the alert change log, and `outbox` messages in the same transaction.
   */
  setAlertStatus(id: string, change: AlertStatusChange, outbox?: StatusOutbox): Promise<Alert | undefined>;
  countAlerts(): Promise<number>;
  /** Key checkpoints: all, or those of the given partitions. */
  loadKeyStates(filter?: { partitions?: number[] }): Promise<KeyCheckpoint[]>;
  getKeyState(keyId: string): Promise<KeyCheckpoint | undefined>;
  listKeyIds(options: { limit: number; after?: string }): Promise<string[]>;
  loadOrgStates(): Promise<OrgCheckpoint[]>;
  getOffsets(group: string, topic: string): Promise<OffsetCheckpoint[]>;
  /** The event log not yet covered by a checkpoint, in sequence order. */
  readEventLog(stream: string): Promise<EventLogEntry[]>;
  /** The stored answer of an ingest batch committed within the retention period, if any. */
  getIngestBatch(id: string): Promise<string | undefined>;
  getPolicy(keyId: string): Promise<PolicyInput | undefined>;
  putPolicy(keyId: string, policy: PolicyInput): Promise<void>;
  listPolicies(): Promise<Record<string, PolicyInput>>;
  /** Creates a token; the clear token is returned once and only its hash is stored. */
  createToken(input: { name: string; scopes: TokenScope[] }): Promise<{ record: TokenRecord; token: string }>;
  /** Ensures a token with this clear value exists (for KEYWATCH_API_TOKEN); idempotent. */
  ensureToken(input: { name: string; scopes: TokenScope[]; token: string }): Promise<TokenRecord>;
  /** Finds a token by its clear value (hash lookup, constant-time compare); undefined when unknown/revoked. */
  verifyToken(token: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string): Promise<boolean>;
  /**
   * A value that changes whenever a token may have been revoked since it was read, by this process or
   * another one sharing the database (SQLite: the file changed; PostgreSQL: a notification). Undefined
   * while that cannot be known (PostgreSQL: the listening connection is down): callers must then not
   * trust what they remember of tokens. Synchronous and cheap: it is read on every API request.
   */
  tokenStamp(): string | undefined;
  /** Webhook subscriptions, outbox, delivery attempts and the alert change log of the live stream. */
  readonly webhooks: WebhookStore;
  /** Round-trip latency probe for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
