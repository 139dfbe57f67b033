import type { Alert, Severity } from '../engine/types.js';
import type { OutboxMessage, WebhookEventType } from './types.js';

/** The alert event types (everything but `webhook.test`). */
export type AlertEventType = Exclude<WebhookEventType, 'webhook.test'>;

/** What a subscription wants to hear about; every list is "any of", an absent list is "all". */
export interface WebhookFilterRecord {
  minSeverity?: Severity;
  detectors?: string[];
  keyIds?: string[];
  orgIds?: string[];
}

/**
 * A webhook subscription as stored. `secret` is kept as given (it must sign, so it cannot be hashed);
 * the API never shows it after creation.
 */
export interface WebhookSubscriptionRecord {
  id: string;
  url: string;
  secret: string;
  /** The secret before the last rotation, still signing until `previousSecretExpiresAt` (epoch ms). */
  previousSecret?: string;
  previousSecretExpiresAt?: number;
  filters: WebhookFilterRecord;
  types: AlertEventType[];
  format: 'standard' | 'slack';
  description: string;
  /** Set by people (API or config). */
  enabled: boolean;
  /** Set by the delivery worker: `gone` (410) or `failing` (failed for too long). */
  disabledReason?: string;
  disabledAt?: string;
  /** When the first of the current run of failed attempts happened; unset after a success. */
  failingSince?: string;
  source: 'api' | 'config';
  createdAt: string;
  updatedAt: string;
}

export type OutboxState = 'pending' | 'delivered' | 'failed';

/** A message claimed for delivery: held under `lease` until completed or the lease expires. */
export interface ClaimedOutboxMessage extends OutboxMessage {
  /** Attempts made before this one. */
  attempts: number;
  /** Manual redeliveries and test messages get one attempt and no retries. */
  singleAttempt: boolean;
  lease: string;
}

/** One HTTP attempt to deliver a message. */
export interface DeliveryAttemptRecord {
  messageId: string;
  subscriptionId: string;
  /** 1 for the first attempt of the message. */
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  success: boolean;
  error: string | null;
}

/** The outcome of a claimed message: its next state and, when an attempt was made, the attempt. */
export interface DeliveryCompletion {
  messageId: string;
  lease: string;
  state: OutboxState;
  attempts: number;
  /** Epoch ms of the next attempt, for `pending`. */
  nextAttemptAt?: number;
  error?: string;
  attempt?: DeliveryAttemptRecord;
}

/** An attempt as `GET /v1/webhooks/:id/deliveries` lists it, with its message's state. */
export interface DeliveryAttemptView extends DeliveryAttemptRecord {
  id: string;
  type: WebhookEventType;
  alertId: string | null;
  messageState: OutboxState;
  /** ISO time of the next scheduled attempt of the message, when it is pending. */
  nextAttemptAt: string | null;
}

/** One entry of the alert change log that the live stream sends and replays. */
export interface AlertEventRecord {
  /** Strictly increasing in commit order: the SSE event id. */
  seq: number;
  type: AlertEventType;
  alert: Alert;
  createdAt: string;
}

/**
 * The store's side of real-time delivery: webhook subscriptions, the durable outbox with leased claims
 * (several instances on one PostgreSQL never send a message twice at once), delivery attempts, and the
 * alert change log of the live stream. The outbox and the change log are written by `Store.commit` and
 * `Store.setAlertStatus` in the alert's own transaction.
 */
export interface WebhookStore {
  listSubscriptions(): Promise<WebhookSubscriptionRecord[]>;
  getSubscription(id: string): Promise<WebhookSubscriptionRecord | undefined>;
  /** Inserts a subscription; KW_ERR_CONFLICT when the id exists. */
  createSubscription(record: WebhookSubscriptionRecord): Promise<void>;
  /** Replaces a subscription's settings; false when there is no such subscription. */
  updateSubscription(record: WebhookSubscriptionRecord): Promise<boolean>;
  /** Deletes a subscription with its messages and attempts; false when there is none. */
  deleteSubscription(id: string): Promise<boolean>;
  /** Records the start (an ISO time) or the end (null) of a run of failures. */
  setSubscriptionFailing(id: string, since: string | null): Promise<void>;
  /** Disables a subscription for a reason; its pending messages fail. Returns how many failed. */
  disableSubscription(id: string, reason: string, at: string): Promise<number>;
  /**
   * Adds messages outside a commit (test messages), due at once; with `lease` they are claimed already.
   * Messages whose id exists are ignored.
   */
  enqueue(
    messages: readonly OutboxMessage[],
    options?: { singleAttempt?: boolean; lease?: { token: string; until: number } },
  ): Promise<void>;
  /**
   * Claims up to `limit` due messages of enabled subscriptions (oldest due first), leasing them until
   * `now + leaseMs`; messages whose lease expired are claimed again.
   */
  claim(options: {
    lease: string;
    now: number;
    leaseMs: number;
    limit: number;
    skipSubscriptions?: readonly string[];
  }): Promise<ClaimedOutboxMessage[]>;
  /** Records attempts and moves messages on; a completion whose lease was lost changes no message. */
  complete(completions: readonly DeliveryCompletion[]): Promise<void>;
  /** Frees every lease (an embedded store at start-up: the process that held them is gone). */
  releaseLeases(): Promise<number>;
  /** Attempts of a subscription's messages, newest first; `before` is the previous page's cursor. */
  listAttempts(
    subscriptionId: string,
    options: { limit: number; before?: string; messageId?: string },
  ): Promise<{ items: DeliveryAttemptView[]; nextCursor: string | null }>;
  /**
   * Schedules one more attempt of a delivered or failed message, at once. `not_found` when the
   * subscription has no such message, `pending` when it is still being delivered.
   */
  redeliver(
    subscriptionId: string,
    messageId: string,
    now: number,
  ): Promise<'scheduled' | 'not_found' | 'pending'>;
  /** Alert events after `after` (a seq), oldest first. */
  listAlertEvents(options: { after: number; limit: number }): Promise<AlertEventRecord[]>;
  /** The seq of the latest alert event, 0 when there is none. */
  latestAlertEventSeq(): Promise<number>;
  /** Deletes finished messages (with attempts) and alert events older than the given ISO times. */
  prune(options: {
    finishedBefore: string;
    alertEventsBefore: string;
  }): Promise<{ messages: number; alertEvents: number }>;
}
