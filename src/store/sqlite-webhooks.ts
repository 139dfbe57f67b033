import type Database from 'better-sqlite3';
import type { Alert, AlertStatus } from '../engine/types.js';
import { KeywatchError } from '../errors.js';
import { type AlertBefore, alertEventTypes, isHumanResolution } from './alert-events.js';
import { storeError } from './store-error.js';
import type { OutboxMessage, StatusOutbox } from './types.js';
import type {
  AlertEventRecord,
  AlertEventType,
  ClaimedOutboxMessage,
  DeliveryAttemptView,
  DeliveryCompletion,
  OutboxState,
  WebhookStore,
  WebhookSubscriptionRecord,
} from './webhook-types.js';

interface SubscriptionRow {
  id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  filters: string;
  types: string;
  format: 'standard' | 'slack';
  description: string;
  enabled: number;
  disabled_reason: string | null;
  disabled_at: string | null;
  failing_since: string | null;
  source: 'api' | 'config';
  created_at: string;
  updated_at: string;
}

interface ClaimedRow {
  id: string;
  subscription_id: string;
  type: OutboxMessage['type'];
  alert_id: string | null;
  body: string;
  created_at: string;
  attempts: number;
  single_attempt: number;
  next_attempt_at: number;
}

interface AttemptRow {
  id: number;
  message_id: string;
  subscription_id: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  success: number;
  error: string | null;
  type: OutboxMessage['type'];
  alert_id: string | null;
  state: OutboxState;
  next_attempt_at: number;
}

const SUBSCRIPTION_COLUMNS =
  'id, url, secret, previous_secret, previous_secret_expires_at, filters, types, format, description, enabled, ' +
  'disabled_reason, disabled_at, failing_since, source, created_at, updated_at';

const ATTEMPT_SELECT = `
SELECT a.id, a.message_id, a.subscription_id, a.attempt, a.started_at, a.duration_ms, a.status_code, a.success,
  a.error, o.type, o.alert_id, o.state, o.next_attempt_at
FROM webhook_attempts AS a JOIN webhook_outbox AS o ON o.id = a.message_id`;

function prepare(db: Database.Database) {
  return {
    selectSubscriptions: db.prepare(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id`,
    ),
    selectSubscription: db.prepare(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = ?`),
    insertSubscription: db.prepare(`
      INSERT INTO webhook_subscriptions (${SUBSCRIPTION_COLUMNS})
      VALUES (@id, @url, @secret, @previous_secret, @previous_secret_expires_at, @filters, @types, @format,
        @description, @enabled, @disabled_reason, @disabled_at, @failing_since, @source, @created_at, @updated_at)`),
    updateSubscription: db.prepare(`
      UPDATE webhook_subscriptions SET url = @url, secret = @secret, previous_secret = @previous_secret,
        previous_secret_expires_at = @previous_secret_expires_at, filters = @filters, types = @types,
        format = @format, description = @description, enabled = @enabled, disabled_reason = @disabled_reason,
        disabled_at = @disabled_at, failing_since = @failing_since, source = @source, updated_at = @updated_at
      WHERE id = @id`),
    deleteSubscription: db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?'),
    deleteSubscriptionMessages: db.prepare('DELETE FROM webhook_outbox WHERE subscription_id = ?'),
    deleteSubscriptionAttempts: db.prepare('DELETE FROM webhook_attempts WHERE subscription_id = ?'),
    setFailing: db.prepare('UPDATE webhook_subscriptions SET failing_since = ? WHERE id = ?'),
    disable: db.prepare(`
      UPDATE webhook_subscriptions SET disabled_reason = ?, disabled_at = ?, updated_at = ?
      WHERE id = ? AND disabled_at IS NULL`),
    failPending: db.prepare(`
      UPDATE webhook_outbox SET state = 'failed', last_error = ?, lease = NULL, lease_until = NULL, updated_at = ?
      WHERE subscription_id = ? AND state = 'pending'`),
    insertMessage: db.prepare(`
      INSERT INTO webhook_outbox (id, subscription_id, type, alert_id, body, created_at, state, attempts,
        next_attempt_at, single_attempt, lease, lease_until, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO NOTHING`),
    claim: db.prepare(`
      UPDATE webhook_outbox SET lease = ?, lease_until = ?
      WHERE id IN (
        SELECT o.id FROM webhook_outbox AS o JOIN webhook_subscriptions AS s ON s.id = o.subscription_id
        WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND (o.lease_until IS NULL OR o.lease_until <= ?)
          AND s.enabled = 1 AND s.disabled_at IS NULL
          AND o.subscription_id NOT IN (SELECT value FROM json_each(?))
        ORDER BY o.next_attempt_at LIMIT ?)
      RETURNING id, subscription_id, type, alert_id, body, created_at, attempts, single_attempt, next_attempt_at`),
    complete: db.prepare(`
      UPDATE webhook_outbox SET state = ?, attempts = ?, next_attempt_at = coalesce(?, next_attempt_at),
        last_error = ?, lease = NULL, lease_until = NULL, updated_at = ?
      WHERE id = ? AND lease = ?`),
    insertAttempt: db.prepare(`
      INSERT INTO webhook_attempts (message_id, subscription_id, attempt, started_at, duration_ms, status_code,
        success, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    releaseLeases: db.prepare(
      'UPDATE webhook_outbox SET lease = NULL, lease_until = NULL WHERE lease IS NOT NULL',
    ),
    attemptsFirst: db.prepare(`${ATTEMPT_SELECT} WHERE a.subscription_id = ? ORDER BY a.id DESC LIMIT ?`),
    attemptsBefore: db.prepare(
      `${ATTEMPT_SELECT} WHERE a.subscription_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?`,
    ),
    attemptsOfMessage: db.prepare(
      `${ATTEMPT_SELECT} WHERE a.subscription_id = ? AND a.message_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?`,
    ),
    redeliver: db.prepare(`
      UPDATE webhook_outbox SET state = 'pending', next_attempt_at = ?, single_attempt = 1, lease = NULL,
        lease_until = NULL, last_error = NULL, updated_at = ?
      WHERE id = ? AND subscription_id = ? AND state <> 'pending'`),
    messageExists: db.prepare('SELECT state FROM webhook_outbox WHERE id = ? AND subscription_id = ?'),
    insertAlertEvent: db.prepare(
      'INSERT INTO alert_events (type, alert_id, body, created_at) VALUES (?, ?, ?, ?)',
    ),
    selectAlertEvents: db.prepare(
      'SELECT seq, type, body, created_at FROM alert_events WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    latestAlertEvent: db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM alert_events'),
    pruneAttempts: db.prepare(`
      DELETE FROM webhook_attempts WHERE message_id IN (
        SELECT id FROM webhook_outbox WHERE state <> 'pending' AND updated_at < ?)`),
    pruneMessages: db.prepare("DELETE FROM webhook_outbox WHERE state <> 'pending' AND updated_at < ?"),
    pruneOrphanAttempts: db.prepare(
      'DELETE FROM webhook_attempts WHERE subscription_id NOT IN (SELECT id FROM webhook_subscriptions)',
    ),
    pruneOrphanMessages: db.prepare(
      'DELETE FROM webhook_outbox WHERE subscription_id NOT IN (SELECT id FROM webhook_subscriptions)',
    ),
    pruneAlertEvents: db.prepare('DELETE FROM alert_events WHERE created_at < ?'),
  };
}

type WebhookStatements = ReturnType<typeof prepare>;

/**
 * The SQLite side of webhooks and the live stream, on the store's connection. The outbox and change-log
 * writes (`insertOutbox`, `appendAlertEvents`, `recordStatusChange`) run inside the store's own
 * transactions; the other methods are the `WebhookStore` interface.
 */
export class SqliteWebhookStore implements WebhookStore {
  readonly #db: Database.Database;
  #statements: WebhookStatements | undefined;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Inside a commit: the batch's outbox messages. */
  insertOutbox(messages: readonly OutboxMessage[], now: string): void {
    const statements = this.#prepared();
    for (const message of messages) {
      statements.insertMessage.run(
        message.id,
        message.subscriptionId,
        message.type,
        message.alertId ?? null,
        message.body,
        message.createdAt,
        message.dueAt ?? Date.parse(now),
        0,
        null,
        null,
        now,
      );
    }
  }

  /** Inside a commit: the change-log entries of one engine write of `alert` over the row `before`. */
  appendAlertEvents(before: AlertBefore | undefined, alert: Alert, stored: Alert, now: string): void {
    const types = alertEventTypes(before, alert);
    if (types.length === 0) return;
    const body = JSON.stringify(stored);
    for (const type of types) this.#prepared().insertAlertEvent.run(type, alert.id, body, now);
  }

  /** Inside a status change: a resolution goes to the change log and to `outbox`. */
  recordStatusChange(
    alert: Alert,
    previousStatus: string,
    outbox: StatusOutbox | undefined,
    now: string,
  ): void {
    if (isHumanResolution(previousStatus, alert.status)) {
      this.#prepared().insertAlertEvent.run('alert.resolved', alert.id, JSON.stringify(alert), now);
    }
    if (outbox !== undefined) this.insertOutbox(outbox(alert, previousStatus as AlertStatus), now);
  }

  async listSubscriptions(): Promise<WebhookSubscriptionRecord[]> {
    return this.#run('listing webhook subscriptions', (s) =>
      (s.selectSubscriptions.all() as SubscriptionRow[]).map(subscriptionOfRow),
    );
  }

  async getSubscription(id: string): Promise<WebhookSubscriptionRecord | undefined> {
    return this.#run('reading a webhook subscription', (s) => {
      const row = s.selectSubscription.get(id) as SubscriptionRow | undefined;
      return row === undefined ? undefined : subscriptionOfRow(row);
    });
  }

  async createSubscription(record: WebhookSubscriptionRecord): Promise<void> {
    this.#run('creating a webhook subscription', (s) => {
      if (s.selectSubscription.get(record.id) !== undefined) {
        throw new KeywatchError('KW_ERR_CONFLICT', `A webhook subscription ${record.id} exists already`);
      }
      s.insertSubscription.run(rowOfSubscription(record));
    });
  }

  async updateSubscription(record: WebhookSubscriptionRecord): Promise<boolean> {
    return this.#run(
      'updating a webhook subscription',
      (s) => s.updateSubscription.run(rowOfSubscription(record)).changes > 0,
    );
  }

  async deleteSubscription(id: string): Promise<boolean> {
    return this.#run('deleting a webhook subscription', (s) =>
      this.#db.transaction(() => {
        s.deleteSubscriptionAttempts.run(id);
        s.deleteSubscriptionMessages.run(id);
        return s.deleteSubscription.run(id).changes > 0;
      })(),
    );
  }

  async setSubscriptionFailing(id: string, since: string | null): Promise<void> {
    this.#run('recording webhook failures', (s) => s.setFailing.run(since, id));
  }

  async disableSubscription(id: string, reason: string, at: string): Promise<number> {
    return this.#run('disabling a webhook subscription', (s) =>
      this.#db.transaction(() => {
        s.disable.run(reason, at, at, id);
        return s.failPending.run(`subscription disabled (${reason})`, at, id).changes;
      })(),
    );
  }

  async enqueue(
    messages: readonly OutboxMessage[],
    options: { singleAttempt?: boolean; lease?: { token: string; until: number } } = {},
  ): Promise<void> {
    this.#run('adding webhook messages', (s) => {
      const now = new Date().toISOString();
      this.#db.transaction(() => {
        for (const message of messages) {
          s.insertMessage.run(
            message.id,
            message.subscriptionId,
            message.type,
            message.alertId ?? null,
            message.body,
            message.createdAt,
            message.dueAt ?? Date.parse(now),
            options.singleAttempt ? 1 : 0,
            options.lease?.token ?? null,
            options.lease?.until ?? null,
            now,
          );
        }
      })();
    });
  }

  async claim(options: {
    lease: string;
    now: number;
    leaseMs: number;
    limit: number;
    skipSubscriptions?: readonly string[];
  }): Promise<ClaimedOutboxMessage[]> {
    return this.#run('claiming webhook messages', (s) => {
      const rows = this.#withoutSync(() =>
        s.claim.all(
          options.lease,
          options.now + options.leaseMs,
          options.now,
          options.now,
          JSON.stringify(options.skipSubscriptions ?? []),
          options.limit,
        ),
      ) as ClaimedRow[];
      // RETURNING keeps no order: oldest due first, as selected.
      rows.sort((left, right) => left.next_attempt_at - right.next_attempt_at);
      return rows.map((row) => claimedOfRow(row, options.lease));
    });
  }

  async complete(completions: readonly DeliveryCompletion[]): Promise<void> {
    if (completions.length === 0) return;
    this.#run('completing webhook deliveries', (s) => {
      const now = new Date().toISOString();
      const write = this.#db.transaction(() => {
        for (const completion of completions) {
          s.complete.run(
            completion.state,
            completion.attempts,
            completion.nextAttemptAt ?? null,
            completion.error ?? null,
            now,
            completion.messageId,
            completion.lease,
          );
          const attempt = completion.attempt;
          if (attempt === undefined) continue;
          s.insertAttempt.run(
            attempt.messageId,
            attempt.subscriptionId,
            attempt.attempt,
            attempt.startedAt,
            Math.round(attempt.durationMs),
            attempt.statusCode,
            attempt.success ? 1 : 0,
            attempt.error,
          );
        }
      });
      this.#withoutSync(() => write.immediate());
    });
  }

  async releaseLeases(): Promise<number> {
    return this.#run('releasing webhook leases', (s) => s.releaseLeases.run().changes);
  }

  async listAttempts(
    subscriptionId: string,
    options: { limit: number; before?: string; messageId?: string },
  ): Promise<{ items: DeliveryAttemptView[]; nextCursor: string | null }> {
    const before = attemptCursor(options.before);
    return this.#run('listing webhook deliveries', (s) => {
      const rows = (
        options.messageId !== undefined
          ? s.attemptsOfMessage.all(subscriptionId, options.messageId, before, options.limit + 1)
          : options.before !== undefined
            ? s.attemptsBefore.all(subscriptionId, before, options.limit + 1)
            : s.attemptsFirst.all(subscriptionId, options.limit + 1)
      ) as AttemptRow[];
      const hasMore = rows.length > options.limit;
      if (hasMore) rows.length = options.limit;
      return {
        items: rows.map(attemptOfRow),
        nextCursor: hasMore ? String(rows[rows.length - 1]!.id) : null,
      };
    });
  }

  async redeliver(
    subscriptionId: string,
    messageId: string,
    now: number,
  ): Promise<'scheduled' | 'not_found' | 'pending'> {
    return this.#run('redelivering a webhook message', (s) => {
      if (s.redeliver.run(now, new Date(now).toISOString(), messageId, subscriptionId).changes > 0)
        return 'scheduled';
      return s.messageExists.get(messageId, subscriptionId) === undefined ? 'not_found' : 'pending';
    });
  }

  async listAlertEvents(options: { after: number; limit: number }): Promise<AlertEventRecord[]> {
    return this.#run('reading alert events', (s) =>
      (
        s.selectAlertEvents.all(options.after, options.limit) as {
          seq: number;
          type: AlertEventType;
          body: string;
          created_at: string;
        }[]
      ).map((row) => ({
        seq: row.seq,
        type: row.type,
        alert: JSON.parse(row.body) as Alert,
        createdAt: row.created_at,
      })),
    );
  }

  async latestAlertEventSeq(): Promise<number> {
    return this.#run(
      'reading the latest alert event',
      (s) => (s.latestAlertEvent.get() as { seq: number }).seq,
    );
  }

  async prune(options: {
    finishedBefore: string;
    alertEventsBefore: string;
  }): Promise<{ messages: number; alertEvents: number }> {
    return this.#run('pruning webhook messages and alert events', (s) =>
      this.#db.transaction(() => {
        s.pruneAttempts.run(options.finishedBefore);
        s.pruneOrphanAttempts.run();
        const messages =
          s.pruneMessages.run(options.finishedBefore).changes + s.pruneOrphanMessages.run().changes;
        const alertEvents = s.pruneAlertEvents.run(options.alertEventsBefore).changes;
        return { messages, alertEvents };
      })(),
    );
  }

  /**
   * Runs delivery bookkeeping (claims, outcomes) without waiting for the disk: it only decides when
   * messages are sent, so a power loss can make a message be sent again but never lost (the message
   * itself was written by a synchronous commit). Syncing each would stall the process for an fsync.
   */
  #withoutSync<T>(work: () => T): T {
    const previous = this.#db.pragma('synchronous', { simple: true }) as number;
    if (previous <= 1) return work();
    this.#db.pragma('synchronous = NORMAL');
    try {
      return work();
    } finally {
      this.#db.pragma(`synchronous = ${previous}`);
    }
  }

  #prepared(): WebhookStatements {
    if (this.#statements === undefined) {
      try {
        this.#statements = prepare(this.#db);
      } catch (error) {
        throw new KeywatchError(
          'KW_ERR_STORE',
          `the SQLite schema is not ready (was migrate() called?): ${(error as Error).message}`,
        );
      }
    }
    return this.#statements;
  }

  #run<T>(operation: string, work: (statements: WebhookStatements) => T): T {
    try {
      return work(this.#prepared());
    } catch (error) {
      throw storeError(operation, error);
    }
  }
}

/** A deliveries cursor: the id of the last attempt of the previous page. */
function attemptCursor(cursor: string | undefined): number {
  if (cursor === undefined) return Number.MAX_SAFE_INTEGER;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) {
    throw new KeywatchError('KW_ERR_BAD_REQUEST', 'querystring.cursor is not a cursor of this listing');
  }
  return Number(cursor);
}

function subscriptionOfRow(row: SubscriptionRow): WebhookSubscriptionRecord {
  const record: WebhookSubscriptionRecord = {
    id: row.id,
    url: row.url,
    secret: row.secret,
    filters: JSON.parse(row.filters) as WebhookSubscriptionRecord['filters'],
    types: JSON.parse(row.types) as WebhookSubscriptionRecord['types'],
    format: row.format,
    description: row.description,
    enabled: row.enabled === 1,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.previous_secret !== null) record.previousSecret = row.previous_secret;
  if (row.previous_secret_expires_at !== null)
    record.previousSecretExpiresAt = row.previous_secret_expires_at;
  if (row.disabled_reason !== null) record.disabledReason = row.disabled_reason;
  if (row.disabled_at !== null) record.disabledAt = row.disabled_at;
  if (row.failing_since !== null) record.failingSince = row.failing_since;
  return record;
}

function rowOfSubscription(record: WebhookSubscriptionRecord): SubscriptionRow {
  return {
    id: record.id,
    url: record.url,
    secret: record.secret,
    previous_secret: record.previousSecret ?? null,
    previous_secret_expires_at: record.previousSecretExpiresAt ?? null,
    filters: JSON.stringify(record.filters),
    types: JSON.stringify(record.types),
    format: record.format,
    description: record.description,
    enabled: record.enabled ? 1 : 0,
    disabled_reason: record.disabledReason ?? null,
    disabled_at: record.disabledAt ?? null,
    failing_since: record.failingSince ?? null,
    source: record.source,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function claimedOfRow(row: ClaimedRow, lease: string): ClaimedOutboxMessage {
  const message: ClaimedOutboxMessage = {
    id: row.id,
    subscriptionId: row.subscription_id,
    type: row.type,
    body: row.body,
    createdAt: row.created_at,
    attempts: row.attempts,
    singleAttempt: row.single_attempt === 1,
    lease,
  };
  if (row.alert_id !== null) message.alertId = row.alert_id;
  return message;
}

function attemptOfRow(row: AttemptRow): DeliveryAttemptView {
  return {
    id: String(row.id),
    messageId: row.message_id,
    subscriptionId: row.subscription_id,
    attempt: row.attempt,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    success: row.success === 1,
    error: row.error,
    type: row.type,
    alertId: row.alert_id,
    messageState: row.state,
    nextAttemptAt: row.state === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
  };
}
