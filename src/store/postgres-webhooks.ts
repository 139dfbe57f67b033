import type pg from 'pg';
import type { Alert, AlertStatus } from '../engine/types.js';
import { KeywatchError } from '../errors.js';
import { isHumanResolution } from './alert-events.js';
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

/** How the webhook store reaches the pool: the PostgreSQL store's own query and transaction helpers. */
export interface PostgresAccess {
  query<Row extends pg.QueryResultRow>(operation: string, sql: string, params?: unknown[]): Promise<Row[]>;
  transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/** One change-log entry to append inside a transaction. */
export interface AlertEventRow {
  type: AlertEventType;
  alert_id: string;
  body: Alert;
}

interface SubscriptionRow {
  id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  filters: WebhookSubscriptionRecord['filters'];
  types: WebhookSubscriptionRecord['types'];
  format: 'standard' | 'slack';
  description: string;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  source: 'api' | 'config';
  created_at: Date;
  updated_at: Date;
}

const SUBSCRIPTION_COLUMNS =
  'id, url, secret, previous_secret, previous_secret_expires_at, filters, types, format, description, enabled, ' +
  'disabled_reason, disabled_at, failing_since, source, created_at, updated_at';

const INSERT_OUTBOX = `
INSERT INTO webhook_outbox (id, subscription_id, type, alert_id, body, created_at, state, attempts, next_attempt_at,
  single_attempt, lease, lease_until)
SELECT r.id, r.subscription_id, r.type, r.alert_id, r.body, r.created_at, 'pending', 0, r.due_at, r.single_attempt,
  r.lease, r.lease_until
FROM json_to_recordset($1::json) AS r(id text, subscription_id text, type text, alert_id text, body text,
  created_at timestamptz, due_at bigint, single_attempt boolean, lease text, lease_until bigint)
ON CONFLICT (id) DO NOTHING`;

// The change log's seq must grow in commit order, or a stream reader that saw seq 11 would skip a
// seq 10 committed later. This lock, held from the insert to the commit, orders the writers.
const LOCK_ALERT_EVENTS =
  "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':keywatch:alert_events'))";

const INSERT_ALERT_EVENTS = `
INSERT INTO alert_events (type, alert_id, body)
SELECT r.type, r.alert_id, r.body
FROM ROWS FROM (json_to_recordset($1::json) AS (type text, alert_id text, body json))
  WITH ORDINALITY AS r(type, alert_id, body, n)
ORDER BY r.n`;

const CLAIM = `
WITH due AS (
  SELECT o.id FROM webhook_outbox AS o JOIN webhook_subscriptions AS s ON s.id = o.subscription_id
  WHERE o.state = 'pending' AND o.next_attempt_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1)
    AND s.enabled AND s.disabled_at IS NULL AND NOT (o.subscription_id = ANY($2::text[]))
  ORDER BY o.next_attempt_at LIMIT $3
  FOR UPDATE OF o SKIP LOCKED)
UPDATE webhook_outbox AS o SET lease = $4, lease_until = $5 FROM due WHERE o.id = due.id
RETURNING o.id, o.subscription_id, o.type, o.alert_id, o.body, o.created_at, o.attempts, o.single_attempt,
  o.next_attempt_at`;

const COMPLETE = `
UPDATE webhook_outbox AS o SET state = r.state, attempts = r.attempts,
  next_attempt_at = coalesce(r.next_attempt_at, o.next_attempt_at), last_error = r.error, lease = NULL,
  lease_until = NULL, updated_at = now()
FROM json_to_recordset($1::json) AS r(message_id text, lease text, state text, attempts integer,
  next_attempt_at bigint, error text)
WHERE o.id = r.message_id AND o.lease = r.lease`;

const INSERT_ATTEMPTS = `
INSERT INTO webhook_attempts (message_id, subscription_id, attempt, started_at, duration_ms, status_code, success, error)
SELECT r."messageId", r."subscriptionId", r.attempt, r."startedAt", r."durationMs", r."statusCode", r.success, r.error
FROM json_to_recordset($1::json) AS r("messageId" text, "subscriptionId" text, attempt integer,
  "startedAt" timestamptz, "durationMs" integer, "statusCode" integer, success boolean, error text)`;

const ATTEMPT_SELECT = `
SELECT a.id, a.message_id, a.subscription_id, a.attempt, a.started_at, a.duration_ms, a.status_code, a.success,
  a.error, o.type, o.alert_id, o.state, o.next_attempt_at
FROM webhook_attempts AS a JOIN webhook_outbox AS o ON o.id = a.message_id`;

/** Inside a transaction: outbox messages, ignoring ids that exist. */
export async function insertOutboxRows(
  client: pg.PoolClient,
  messages: readonly OutboxMessage[],
  options: { singleAttempt?: boolean; lease?: { token: string; until: number } } = {},
): Promise<void> {
  if (messages.length === 0) return;
  const now = Date.now();
  const rows = messages.map((message) => ({
    id: message.id,
    subscription_id: message.subscriptionId,
    type: message.type,
    alert_id: message.alertId ?? null,
    body: message.body,
    created_at: message.createdAt,
    due_at: message.dueAt ?? now,
    single_attempt: options.singleAttempt === true,
    lease: options.lease?.token ?? null,
    lease_until: options.lease?.until ?? null,
  }));
  await client.query(INSERT_OUTBOX, [JSON.stringify(rows)]);
}

/** Inside a transaction, as its last write: change-log entries, in order. */
export async function appendAlertEventRows(
  client: pg.PoolClient,
  events: readonly AlertEventRow[],
): Promise<void> {
  if (events.length === 0) return;
  await client.query(LOCK_ALERT_EVENTS);
  await client.query(INSERT_ALERT_EVENTS, [JSON.stringify(events)]);
}

/** Inside a status change: a resolution goes to the change log and to `outbox`. */
export async function recordStatusChange(
  client: pg.PoolClient,
  alert: Alert,
  previousStatus: string,
  outbox: StatusOutbox | undefined,
): Promise<void> {
  if (outbox !== undefined) await insertOutboxRows(client, outbox(alert, previousStatus as AlertStatus));
  if (isHumanResolution(previousStatus, alert.status)) {
    await appendAlertEventRows(client, [{ type: 'alert.resolved', alert_id: alert.id, body: alert }]);
  }
}

/** The PostgreSQL side of webhooks and the live stream (see `WebhookStore`). */
export class PostgresWebhookStore implements WebhookStore {
  readonly #db: PostgresAccess;

  constructor(access: PostgresAccess) {
    this.#db = access;
  }

  async listSubscriptions(): Promise<WebhookSubscriptionRecord[]> {
    const rows = await this.#db.query<SubscriptionRow>(
      'listing webhook subscriptions',
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id`,
    );
    return rows.map(subscriptionOfRow);
  }

  async getSubscription(id: string): Promise<WebhookSubscriptionRecord | undefined> {
    const rows = await this.#db.query<SubscriptionRow>(
      'reading a webhook subscription',
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? undefined : subscriptionOfRow(rows[0]);
  }

  async createSubscription(record: WebhookSubscriptionRecord): Promise<void> {
    const rows = await this.#db.query<{ id: string }>(
      'creating a webhook subscription',
      `INSERT INTO webhook_subscriptions (${SUBSCRIPTION_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6::json, $7::json, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      parametersOf(record),
    );
    if (rows.length === 0) {
      throw new KeywatchError('KW_ERR_CONFLICT', `A webhook subscription ${record.id} exists already`);
    }
  }

  async updateSubscription(record: WebhookSubscriptionRecord): Promise<boolean> {
    const rows = await this.#db.query<{ id: string }>(
      'updating a webhook subscription',
      `UPDATE webhook_subscriptions SET url = $2, secret = $3, previous_secret = $4, previous_secret_expires_at = $5,
         filters = $6::json, types = $7::json, format = $8, description = $9, enabled = $10, disabled_reason = $11,
         disabled_at = $12, failing_since = $13, source = $14, updated_at = $15
       WHERE id = $1 RETURNING id`,
      [...parametersOf(record).slice(0, 14), record.updatedAt],
    );
    return rows.length > 0;
  }

  async deleteSubscription(id: string): Promise<boolean> {
    return this.#db.transaction('deleting a webhook subscription', async (client) => {
      await client.query('DELETE FROM webhook_attempts WHERE subscription_id = $1', [id]);
      await client.query('DELETE FROM webhook_outbox WHERE subscription_id = $1', [id]);
      const deleted = await client.query('DELETE FROM webhook_subscriptions WHERE id = $1', [id]);
      return (deleted.rowCount ?? 0) > 0;
    });
  }

  async setSubscriptionFailing(id: string, since: string | null): Promise<void> {
    await this.#db.query(
      'recording webhook failures',
      'UPDATE webhook_subscriptions SET failing_since = $2 WHERE id = $1',
      [id, since],
    );
  }

  async disableSubscription(id: string, reason: string, at: string): Promise<number> {
    return this.#db.transaction('disabling a webhook subscription', async (client) => {
      await client.query(
        `UPDATE webhook_subscriptions SET disabled_reason = $2, disabled_at = $3, updated_at = $3
         WHERE id = $1 AND disabled_at IS NULL`,
        [id, reason, at],
      );
      const failed = await client.query(
        `UPDATE webhook_outbox SET state = 'failed', last_error = $2, lease = NULL, lease_until = NULL, updated_at = $3
         WHERE subscription_id = $1 AND state = 'pending'`,
        [id, `subscription disabled (${reason})`, at],
      );
      return failed.rowCount ?? 0;
    });
  }

  async enqueue(
    messages: readonly OutboxMessage[],
    options: { singleAttempt?: boolean; lease?: { token: string; until: number } } = {},
  ): Promise<void> {
    await this.#db.transaction('adding webhook messages', (client) =>
      insertOutboxRows(client, messages, options),
    );
  }

  async claim(options: {
    lease: string;
    now: number;
    leaseMs: number;
    limit: number;
    skipSubscriptions?: readonly string[];
  }): Promise<ClaimedOutboxMessage[]> {
    const rows = await this.#db.query<{
      id: string;
      subscription_id: string;
      type: OutboxMessage['type'];
      alert_id: string | null;
      body: string;
      created_at: Date;
      attempts: number;
      single_attempt: boolean;
      next_attempt_at: string;
    }>('claiming webhook messages', CLAIM, [
      options.now,
      [...(options.skipSubscriptions ?? [])],
      options.limit,
      options.lease,
      options.now + options.leaseMs,
    ]);
    // RETURNING keeps no order: oldest due first, as selected.
    rows.sort((left, right) => Number(left.next_attempt_at) - Number(right.next_attempt_at));
    return rows.map((row) => {
      const message: ClaimedOutboxMessage = {
        id: row.id,
        subscriptionId: row.subscription_id,
        type: row.type,
        body: row.body,
        createdAt: row.created_at.toISOString(),
        attempts: row.attempts,
        singleAttempt: row.single_attempt,
        lease: options.lease,
      };
      if (row.alert_id !== null) message.alertId = row.alert_id;
      return message;
    });
  }

  async complete(completions: readonly DeliveryCompletion[]): Promise<void> {
    if (completions.length === 0) return;
    const states = completions.map((completion) => ({
      message_id: completion.messageId,
      lease: completion.lease,
      state: completion.state,
      attempts: completion.attempts,
      next_attempt_at: completion.nextAttemptAt ?? null,
      error: completion.error ?? null,
    }));
    const attempts = completions.flatMap((completion) =>
      completion.attempt === undefined
        ? []
        : [{ ...completion.attempt, durationMs: Math.round(completion.attempt.durationMs) }],
    );
    await this.#db.transaction('completing webhook deliveries', async (client) => {
      await client.query(COMPLETE, [JSON.stringify(states)]);
      if (attempts.length > 0) await client.query(INSERT_ATTEMPTS, [JSON.stringify(attempts)]);
    });
  }

  async releaseLeases(): Promise<number> {
    const rows = await this.#db.query<{ id: string }>(
      'releasing webhook leases',
      'UPDATE webhook_outbox SET lease = NULL, lease_until = NULL WHERE lease IS NOT NULL RETURNING id',
    );
    return rows.length;
  }

  async listAttempts(
    subscriptionId: string,
    options: { limit: number; before?: string; messageId?: string },
  ): Promise<{ items: DeliveryAttemptView[]; nextCursor: string | null }> {
    if (options.before !== undefined && !/^[1-9][0-9]{0,15}$/.test(options.before)) {
      throw new KeywatchError('KW_ERR_BAD_REQUEST', 'querystring.cursor is not a cursor of this listing');
    }
    const params: unknown[] = [subscriptionId, options.limit + 1];
    let where = 'a.subscription_id = $1';
    if (options.before !== undefined) {
      params.push(options.before);
      where += ` AND a.id < $${params.length}`;
    }
    if (options.messageId !== undefined) {
      params.push(options.messageId);
      where += ` AND a.message_id = $${params.length}`;
    }
    const rows = await this.#db.query<{
      id: string;
      message_id: string;
      subscription_id: string;
      attempt: number;
      started_at: Date;
      duration_ms: number;
      status_code: number | null;
      success: boolean;
      error: string | null;
      type: OutboxMessage['type'];
      alert_id: string | null;
      state: OutboxState;
      next_attempt_at: string;
    }>('listing webhook deliveries', `${ATTEMPT_SELECT} WHERE ${where} ORDER BY a.id DESC LIMIT $2`, params);
    const hasMore = rows.length > options.limit;
    if (hasMore) rows.length = options.limit;
    return {
      items: rows.map((row) => ({
        id: String(row.id),
        messageId: row.message_id,
        subscriptionId: row.subscription_id,
        attempt: row.attempt,
        startedAt: row.started_at.toISOString(),
        durationMs: row.duration_ms,
        statusCode: row.status_code,
        success: row.success,
        error: row.error,
        type: row.type,
        alertId: row.alert_id,
        messageState: row.state,
        nextAttemptAt: row.state === 'pending' ? new Date(Number(row.next_attempt_at)).toISOString() : null,
      })),
      nextCursor: hasMore ? String(rows[rows.length - 1]!.id) : null,
    };
  }

  async redeliver(
    subscriptionId: string,
    messageId: string,
    now: number,
  ): Promise<'scheduled' | 'not_found' | 'pending'> {
    return this.#db.transaction('redelivering a webhook message', async (client) => {
      const row = (
        await client.query<{ state: OutboxState }>(
          'SELECT state FROM webhook_outbox WHERE id = $1 AND subscription_id = $2 FOR UPDATE',
          [messageId, subscriptionId],
        )
      ).rows[0];
      if (row === undefined) return 'not_found';
      if (row.state === 'pending') return 'pending';
      await client.query(
        `UPDATE webhook_outbox SET state = 'pending', next_attempt_at = $2, single_attempt = true, lease = NULL,
           lease_until = NULL, last_error = NULL, updated_at = now()
         WHERE id = $1`,
        [messageId, now],
      );
      return 'scheduled';
    });
  }

  async listAlertEvents(options: { after: number; limit: number }): Promise<AlertEventRecord[]> {
    const rows = await this.#db.query<{ seq: string; type: AlertEventType; body: Alert; created_at: Date }>(
      'reading alert events',
      'SELECT seq, type, body, created_at FROM alert_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [options.after, options.limit],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      type: row.type,
      alert: row.body,
      createdAt: row.created_at.toISOString(),
    }));
  }

  async latestAlertEventSeq(): Promise<number> {
    const rows = await this.#db.query<{ seq: string }>(
      'reading the latest alert event',
      'SELECT coalesce(max(seq), 0) AS seq FROM alert_events',
    );
    return Number(rows[0]?.seq ?? 0);
  }

  async prune(options: {
    finishedBefore: string;
    alertEventsBefore: string;
  }): Promise<{ messages: number; alertEvents: number }> {
    return this.#db.transaction('pruning webhook messages and alert events', async (client) => {
      await client.query(
        `DELETE FROM webhook_attempts WHERE message_id IN (
           SELECT id FROM webhook_outbox WHERE state <> 'pending' AND updated_at < $1)`,
        [options.finishedBefore],
      );
      await client.query(
        'DELETE FROM webhook_attempts AS a WHERE NOT EXISTS (SELECT 1 FROM webhook_subscriptions AS s WHERE s.id = a.subscription_id)',
      );
      const finished = await client.query(
        "DELETE FROM webhook_outbox WHERE state <> 'pending' AND updated_at < $1",
        [options.finishedBefore],
      );
      const orphans = await client.query(
        'DELETE FROM webhook_outbox AS o WHERE NOT EXISTS (SELECT 1 FROM webhook_subscriptions AS s WHERE s.id = o.subscription_id)',
      );
      const events = await client.query('DELETE FROM alert_events WHERE created_at < $1', [
        options.alertEventsBefore,
      ]);
      return {
        messages: (finished.rowCount ?? 0) + (orphans.rowCount ?? 0),
        alertEvents: events.rowCount ?? 0,
      };
    });
  }
}

function parametersOf(record: WebhookSubscriptionRecord): unknown[] {
  return [
    record.id,
    record.url,
    record.secret,
    record.previousSecret ?? null,
    record.previousSecretExpiresAt ?? null,
    JSON.stringify(record.filters),
    JSON.stringify(record.types),
    record.format,
    record.description,
    record.enabled,
    record.disabledReason ?? null,
    record.disabledAt ?? null,
    record.failingSince ?? null,
    record.source,
    record.createdAt,
    record.updatedAt,
  ];
}

function subscriptionOfRow(row: SubscriptionRow): WebhookSubscriptionRecord {
  const record: WebhookSubscriptionRecord = {
    id: row.id,
    url: row.url,
    secret: row.secret,
    filters: row.filters,
    types: row.types,
    format: row.format,
    description: row.description,
    enabled: row.enabled,
    source: row.source,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  if (row.previous_secret !== null) record.previousSecret = row.previous_secret;
  if (row.previous_secret_expires_at !== null)
    record.previousSecretExpiresAt = Number(row.previous_secret_expires_at);
  if (row.disabled_reason !== null) record.disabledReason = row.disabled_reason;
  if (row.disabled_at !== null) record.disabledAt = row.disabled_at.toISOString();
  if (row.failing_since !== null) record.failingSince = row.failing_since.toISOString();
  return record;
}
