import pg from 'pg';
import type { PolicyInput } from '../config/schema.js';
import type { Alert, TimelineEntry } from '../engine/types.js';
import { KeywatchError } from '../errors.js';
import { canonicalIso, type NormalizedAlertQuery, normalizeAlertQuery } from './alert-query.js';
import { encodeAlertCursor } from './cursor.js';
import { MIGRATIONS } from './migrations/index.js';
import { writeBatch } from './postgres-batch.js';
import { PostgresWebhookStore, recordStatusChange } from './postgres-webhooks.js';
import { storeError } from './store-error.js';
import { generateToken, generateTokenId, hashToken, tokenHashesMatch } from './token-hash.js';
import {
  type AlertPage,
  type AlertQuery,
  type AlertStatusChange,
  type CommitResult,
  type EventLogEntry,
  INGEST_BATCH_RETENTION_MS,
  type KeyCheckpoint,
  type OffsetCheckpoint,
  type OrgCheckpoint,
  type PartitionLease,
  type StatusOutbox,
  type Store,
  type StoreBatch,
  type TokenRecord,
  type TokenScope,
} from './types.js';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** Schema holding Keywatch's tables (created by `migrate()`); default `public`. */
  schema?: string;
  /** Most connections the pool opens (default 10). */
  poolSize?: number;
  /** Receives errors of idle pooled connections (the server restarting, say); the next query fails too. */
  onBackgroundError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Key states are read in pages so that restoring millions of keys never holds two full copies. */
const KEY_STATES_PER_READ = 10_000;
const TOKEN_TOUCH_INTERVAL_MS = 60_000;
const MAX_TOKEN_LENGTH = 512;
/** NOTIFY channel of token revocations; the payload is the schema (one deployment per schema). */
const TOKEN_CHANNEL = 'keywatch_tokens';

/**
 * A database URL fit for messages and logs: scheme, user, host, port and database, never the password.
 *
 * @example
 * redactDatabaseUrl('postgres://kw:secret@db:5432/keywatch'); // 'postgres://kw@db:5432/keywatch'
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${parsed.username}@` : '';
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Opens a PostgreSQL store over a connection pool. Call `migrate()` before use.
 *
 * @example
 * const store = await openPostgresStore('postgres://kw:pw@db/keywatch', { schema: 'keywatch' });
 * await store.migrate();
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  return new PostgresStore(url, options);
}

/**
 * The store for several instances sharing one database: each batch is one transaction on one pooled
 * connection (see `writeBatch`), migrations are serialised by an advisory lock, and every connection
 * works in the configured schema.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #target: string;
  #closed = false;
  readonly webhooks: PostgresWebhookStore;
  readonly #onBackgroundError: (error: Error) => void;
  /** Connection settings of the pool, for the connection that listens for token revocations. */
  readonly #connection: pg.ClientConfig;
  /** The connection that LISTENs for token revocations: opened by the first tokenStamp(). */
  #tokenListener: pg.Client | undefined;
  #tokenListening = false;
  /** Bumped by every revocation notice and every (re)connection of the listener. */
  #tokenGeneration = 0;
  #tokenRetryMs = 0;
  #tokenRetryTimer: NodeJS.Timeout | undefined;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) {
      throw new KeywatchError(
        'KW_ERR_CONFIG_INVALID',
        'store.schema must be a lower-case SQL identifier (letters, digits, underscores)',
        { setting: 'store.schema' },
      );
    }
    this.#schema = schema;
    this.#target = redactDatabaseUrl(url);
    this.#connection = {
      connectionString: url,
      application_name: 'keywatch',
      connectionTimeoutMillis: 10_000,
      // Every connection resolves table names in the configured schema, so SQL stays unqualified.
      options: `-c search_path=${schema}`,
    };
    this.#pool = new pg.Pool({ ...this.#connection, max: options.poolSize ?? 10 });
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    // Without a listener an idle connection's error would crash the process.
    this.#pool.on('error', (error) => this.#onBackgroundError(error));
    this.webhooks = new PostgresWebhookStore({
      query: (operation, sql, params) => this.#query(operation, sql, params),
      transaction: (operation, work) => this.#transaction(operation, work),
    });
  }

  async migrate(): Promise<void> {
    await this.#withClient('migrating the PostgreSQL schema', async (client) => {
      // Instances starting together queue here; the later ones then find nothing left to apply.
      const lockKey = `keywatch:migrate:${this.#schema}`;
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
      try {
        const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.#schema]);
        if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${this.#schema}"`);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, ' +
            'applied_at timestamptz NOT NULL DEFAULT now())',
        );
        const applied = new Set(
          (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
            (row) => row.version,
          ),
        );
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(migration.postgres);
            await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
              migration.version,
              migration.name,
            ]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => {});
            throw error;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    });
  }

  async commit(batch: StoreBatch): Promise<CommitResult> {
    return this.#transaction('committing a batch', (client) => writeBatch(client, batch));
  }

  async claimPartitions(
    group: string,
    topic: string,
    partitions: readonly number[],
    owner: string,
  ): Promise<PartitionLease[]> {
    if (partitions.length === 0) return [];
    // Waits for the commits that hold these leases (they lock them FOR SHARE): what they write lands
    // before the claim, and nothing written under the old epochs lands after it.
    const rows = await this.#query<{ kafka_partition: number; epoch: string }>(
      'claiming partitions',
      `INSERT INTO partition_leases AS l (consumer_group, topic, kafka_partition, epoch, owner, claimed_at)
SELECT $1, $2, p, 1, $4, now() FROM unnest($3::integer[]) AS p ORDER BY p
ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE SET epoch = l.epoch + 1, owner = EXCLUDED.owner,
  claimed_at = EXCLUDED.claimed_at
RETURNING kafka_partition, epoch`,
      [group, topic, [...partitions], owner],
    );
    return rows
      .map((row) => ({ group, topic, partition: row.kafka_partition, epoch: Number(row.epoch) }))
      .sort((left, right) => left.partition - right.partition);
  }

  async getAlert(
    id: string,
  ): Promise<{ alert: Alert; timeline: TimelineEntry[]; statusHistory: AlertStatusChange[] } | undefined> {
    return this.#withClient('reading an alert', async (client) => {
      const row = (
        await client.query<{ status: string; body: Alert }>('SELECT status, body FROM alerts WHERE id = $1', [
          id,
        ])
      ).rows[0];
      if (row === undefined) return undefined;
      const timeline = await client.query<{ entry: TimelineEntry }>(
        'SELECT entry FROM alert_timeline WHERE alert_id = $1 ORDER BY seq',
        [id],
      );
      const changes = await client.query<{
        status: AlertStatusChange['status'];
        note: string | null;
        actor: string;
        at: Date;
      }>('SELECT status, note, actor, at FROM alert_status_changes WHERE alert_id = $1 ORDER BY id', [id]);
      return {
        alert: alertOfRow(row.body, row.status),
        timeline: timeline.rows.map((entry) => entry.entry),
        statusHistory: changes.rows.map(({ status, note, actor, at }) =>
          note === null
            ? { status, actor, at: at.toISOString() }
            : { status, note, actor, at: at.toISOString() },
        ),
      };
    });
  }

  async listAlerts(query: AlertQuery): Promise<AlertPage> {
    const normalized = normalizeAlertQuery(query);
    const { sql, params } = listAlertsSql(normalized);
    const rows = await this.#query<{ id: string; ts: Date; status: string; body: Alert }>(
      'listing alerts',
      sql,
      [...params, normalized.limit + 1],
    );
    const hasMore = rows.length > normalized.limit;
    if (hasMore) rows.length = normalized.limit;
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => alertOfRow(row.body, row.status)),
      nextCursor:
        hasMore && last !== undefined ? encodeAlertCursor({ ts: last.ts.toISOString(), id: last.id }) : null,
    };
  }

  async setAlertStatus(
    id: string,
    change: AlertStatusChange,
    outbox?: StatusOutbox,
  ): Promise<Alert | undefined> {
    const at = canonicalIso(change.at);
    if (at === undefined)
      throw new KeywatchError('KW_ERR_BAD_REQUEST', 'at is not a valid ISO time', { field: 'at' });
    return this.#transaction('setting an alert status', async (client) => {
      const row = (
        await client.query<{ status: string; body: Alert }>(
          'SELECT status, body FROM alerts WHERE id = $1 FOR UPDATE',
          [id],
        )
      ).rows[0];
      if (row === undefined) return undefined;
      const alert: Alert = { ...row.body, status: change.status };
      await client.query('UPDATE alerts SET status = $2, body = $3::json, updated_at = now() WHERE id = $1', [
        id,
        change.status,
        JSON.stringify(alert),
      ]);
      await client.query('UPDATE alert_detectors SET status = $2 WHERE alert_id = $1', [id, change.status]);
      await client.query(
        'INSERT INTO alert_status_changes (alert_id, status, note, actor, at) VALUES ($1, $2, $3, $4, $5)',
        [id, change.status, change.note ?? null, change.actor, at],
      );
      await recordStatusChange(client, alert, row.status, outbox);
      return alert;
    });
  }

  async countAlerts(): Promise<number> {
    const rows = await this.#query<{ n: string }>('counting alerts', 'SELECT count(*) AS n FROM alerts');
    return Number(rows[0]?.n ?? 0);
  }

  async loadKeyStates(filter: { partitions?: number[] } = {}): Promise<KeyCheckpoint[]> {
    const checkpoints: KeyCheckpoint[] = [];
    let after: string | undefined;
    for (;;) {
      const params: unknown[] = [];
      const conditions: string[] = [];
      if (filter.partitions !== undefined) {
        params.push(filter.partitions);
        conditions.push(`kafka_partition = ANY($${params.length}::int[])`);
      }
      if (after !== undefined) {
        params.push(after);
        conditions.push(`key_id > $${params.length}`);
      }
      const rows = await this.#query<KeyStateRow>(
        'loading key states',
        `SELECT ${KEY_STATE_COLUMNS} FROM key_states` +
          (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') +
          ` ORDER BY key_id LIMIT ${KEY_STATES_PER_READ}`,
        params,
      );
      for (const row of rows) checkpoints.push(keyCheckpointOfRow(row));
      if (rows.length < KEY_STATES_PER_READ) return checkpoints;
      after = rows[rows.length - 1]!.key_id;
    }
  }

  async getKeyState(keyId: string): Promise<KeyCheckpoint | undefined> {
    const rows = await this.#query<KeyStateRow>(
      'reading a key state',
      `SELECT ${KEY_STATE_COLUMNS} FROM key_states WHERE key_id = $1`,
      [keyId],
    );
    return rows[0] === undefined ? undefined : keyCheckpointOfRow(rows[0]);
  }

  async listKeyIds(options: { limit: number; after?: string }): Promise<string[]> {
    const rows =
      options.after === undefined
        ? await this.#query<{ key_id: string }>(
            'listing key ids',
            'SELECT key_id FROM key_states ORDER BY key_id LIMIT $1',
            [options.limit],
          )
        : await this.#query<{ key_id: string }>(
            'listing key ids',
            'SELECT key_id FROM key_states WHERE key_id > $2 ORDER BY key_id LIMIT $1',
            [options.limit, options.after],
          );
    return rows.map((row) => row.key_id);
  }

  async loadOrgStates(): Promise<OrgCheckpoint[]> {
    const rows = await this.#query<{ org_id: string; version: string; state: unknown }>(
      'loading org states',
      'SELECT org_id, version, state FROM org_states ORDER BY org_id',
    );
    return rows.map((row) => ({ orgId: row.org_id, version: row.version, state: row.state }));
  }

  async getOffsets(group: string, topic: string): Promise<OffsetCheckpoint[]> {
    const rows = await this.#query<{ kafka_partition: number; next_offset: string }>(
      'reading offsets',
      'SELECT kafka_partition, next_offset FROM offsets WHERE consumer_group = $1 AND topic = $2 ORDER BY kafka_partition',
      [group, topic],
    );
    return rows.map((row) => ({ group, topic, partition: row.kafka_partition, offset: row.next_offset }));
  }

  async readEventLog(stream: string): Promise<EventLogEntry[]> {
    const rows = await this.#query<{ seq: string; events: string }>(
      'reading the event log',
      'SELECT seq, events FROM event_log WHERE stream = $1 ORDER BY seq',
      [stream],
    );
    return rows.map((row) => ({ stream, seq: Number(row.seq), events: row.events }));
  }

  async getIngestBatch(id: string): Promise<string | undefined> {
    const rows = await this.#query<{ result: string }>(
      'reading an ingest batch',
      `SELECT result FROM ingest_batches WHERE id = $1 AND created_at >= now() - interval '${INGEST_BATCH_RETENTION_MS / 1000} seconds'`,
      [id],
    );
    return rows[0]?.result;
  }

  async getPolicy(keyId: string): Promise<PolicyInput | undefined> {
    const rows = await this.#query<{ policy: PolicyInput }>(
      'reading a policy',
      'SELECT policy FROM policies WHERE key_id = $1',
      [keyId],
    );
    return rows[0]?.policy;
  }

  async putPolicy(keyId: string, policy: PolicyInput): Promise<void> {
    await this.#query(
      'writing a policy',
      `INSERT INTO policies (key_id, policy, updated_at) VALUES ($1, $2::json, now())
       ON CONFLICT (key_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = EXCLUDED.updated_at`,
      [keyId, JSON.stringify(policy)],
    );
  }

  async listPolicies(): Promise<Record<string, PolicyInput>> {
    const rows = await this.#query<{ key_id: string; policy: PolicyInput }>(
      'listing policies',
      'SELECT key_id, policy FROM policies ORDER BY key_id',
    );
    const policies: Record<string, PolicyInput> = {};
    for (const row of rows) policies[row.key_id] = row.policy;
    return policies;
  }

  async createToken(input: {
    name: string;
    scopes: TokenScope[];
  }): Promise<{ record: TokenRecord; token: string }> {
    const token = generateToken();
    const rows = await this.#query<TokenRow>(
      'creating a token',
      `INSERT INTO api_tokens (id, token_hash, name, scopes, created_at) VALUES ($1, $2, $3, $4, $5)
       RETURNING ${TOKEN_COLUMNS}`,
      [
        generateTokenId(),
        hashToken(token),
        input.name,
        JSON.stringify(input.scopes),
        new Date().toISOString(),
      ],
    );
    return { record: tokenRecordOfRow(rows[0]!), token };
  }

  async ensureToken(input: { name: string; scopes: TokenScope[]; token: string }): Promise<TokenRecord> {
    const rows = await this.#query<TokenRow>(
      'ensuring a token',
      `INSERT INTO api_tokens (id, token_hash, name, scopes, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (token_hash) DO UPDATE SET name = EXCLUDED.name, scopes = EXCLUDED.scopes
       RETURNING ${TOKEN_COLUMNS}`,
      [
        generateTokenId(),
        hashToken(input.token),
        input.name,
        JSON.stringify(input.scopes),
        new Date().toISOString(),
      ],
    );
    return tokenRecordOfRow(rows[0]!);
  }

  async verifyToken(token: string): Promise<TokenRecord | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const presented = hashToken(token);
    const rows = await this.#query<TokenRow>(
      'verifying a token',
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
      [presented],
    );
    const row = rows[0];
    if (row === undefined || !tokenHashesMatch(row.token_hash, presented)) return undefined;
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at.getTime() >= TOKEN_TOUCH_INTERVAL_MS) {
      row.last_used_at = new Date(now);
      await this.#query('touching a token', 'UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [
        row.id,
        row.last_used_at,
      ]);
    }
    return tokenRecordOfRow(row);
  }

  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.#query<TokenRow>(
      'listing tokens',
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE revoked_at IS NULL ORDER BY created_at, id`,
    );
    return rows.map(tokenRecordOfRow);
  }

  async revokeToken(id: string): Promise<boolean> {
    const revoked = await this.#transaction('revoking a token', async (client) => {
      const { rowCount } = await client.query(
        'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
        [id],
      );
      // Delivered at commit to every instance listening (tokenStamp), so none keeps trusting it.
      if (rowCount !== 0) await client.query('SELECT pg_notify($1, $2)', [TOKEN_CHANNEL, this.#schema]);
      return rowCount !== 0;
    });
    if (revoked) this.#tokenGeneration++;
    return revoked;
  }

  tokenStamp(): string | undefined {
    if (this.#closed) return undefined;
    if (this.#tokenListener === undefined && this.#tokenRetryTimer === undefined) this.#listenForTokens();
    return this.#tokenListening ? String(this.#tokenGeneration) : undefined;
  }

  /**
   * Opens the connection that LISTENs for token revocations (of this schema); while it is down,
   * tokenStamp() is undefined and it reconnects after 1 s, doubling up to 30 s.
   */
  #listenForTokens(): void {
    const client = new pg.Client({ ...this.#connection, application_name: 'keywatch-token-listener' });
    this.#tokenListener = client;
    const lost = (error?: Error) => {
      if (this.#tokenListener !== client) return;
      this.#tokenListener = undefined;
      this.#tokenListening = false;
      void client.end().catch(() => {});
      if (this.#closed) return;
      if (error !== undefined) this.#onBackgroundError(error);
      this.#tokenRetryMs = Math.min(30_000, Math.max(1000, this.#tokenRetryMs * 2));
      this.#tokenRetryTimer = setTimeout(() => {
        this.#tokenRetryTimer = undefined;
        if (!this.#closed) this.#listenForTokens();
      }, this.#tokenRetryMs);
      this.#tokenRetryTimer.unref();
    };
    client.on('error', (error) => lost(error));
    client.on('end', () => lost());
    client.on('notification', (notice) => {
      if (notice.channel === TOKEN_CHANNEL && notice.payload === this.#schema) this.#tokenGeneration++;
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${TOKEN_CHANNEL}`))
      .then(
        () => {
          if (this.#tokenListener !== client) return;
          // Tokens may have been revoked while nobody listened: what callers remember is stale.
          this.#tokenGeneration++;
          this.#tokenListening = true;
          this.#tokenRetryMs = 0;
        },
        (error: Error) => lost(error),
      );
  }

  async ping(): Promise<void> {
    await this.#query('pinging', 'SELECT 1');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#tokenRetryTimer);
    const listener = this.#tokenListener;
    this.#tokenListener = undefined;
    this.#tokenListening = false;
    await listener?.end().catch(() => {});
    await this.#pool.end();
  }

  async #query<Row extends pg.QueryResultRow>(
    operation: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<Row[]> {
    try {
      return (await this.#pool.query<Row>(sql, params)).rows;
    } catch (error) {
      throw this.#error(operation, error);
    }
  }

  async #withClient<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#error(operation, error);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      // A connection that failed mid-conversation (lost, or stuck holding an advisory lock) is not reused.
      if (!(error instanceof pg.DatabaseError)) broken = error as Error;
      throw this.#error(operation, error);
    } finally {
      client.release(broken);
    }
  }

  async #transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(operation, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  #error(operation: string, error: unknown): KeywatchError {
    return storeError(operation, error, { database: this.#target, schema: this.#schema });
  }
}

interface KeyStateRow {
  key_id: string;
  org_id: string | null;
  version: string;
  state: unknown;
  last_seen: string;
  kafka_partition: number | null;
}

interface TokenRow {
  id: string;
  token_hash: string;
  name: string;
  scopes: string;
  created_at: Date;
  last_used_at: Date | null;
}

const KEY_STATE_COLUMNS = 'key_id, org_id, version, state, last_seen, kafka_partition';
const TOKEN_COLUMNS = 'id, token_hash, name, scopes, created_at, last_used_at';

/**
 * The listing query; like the SQLite one, it starts from the most selective filter's index, whose order
 * is the listing order (ts DESC, id DESC), and PostgreSQL's planner confirms with its statistics.
 */
function listAlertsSql(query: NormalizedAlertQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  let from = 'alerts AS a';
  let ts = 'a.ts';
  let id = 'a.id';
  // Status and severity are tested on the driving index's entries (both are repeated there).
  let filtered = 'a';
  if (query.keyId !== undefined) {
    where.push(`a.key_id = ${param(query.keyId)}`);
    if (query.detector !== undefined) {
      where.push(`position(('|' || ${param(query.detector)} || '|') IN a.detectors) > 0`);
    }
  } else if (query.detector !== undefined) {
    from = 'alert_detectors AS d JOIN alerts AS a ON a.id = d.alert_id';
    ts = 'd.ts';
    id = 'd.alert_id';
    filtered = 'd';
    where.push(`d.detector = ${param(query.detector)}`);
  }
  if (query.status !== undefined) where.push(`${filtered}.status = ${param(query.status)}`);
  if (query.minSeverityRank !== undefined && query.minSeverityRank > 0) {
    where.push(`${filtered}.severity_rank >= ${param(query.minSeverityRank)}`);
  }
  if (query.since !== undefined) where.push(`${ts} >= ${param(query.since)}::timestamptz`);
  if (query.until !== undefined) where.push(`${ts} < ${param(query.until)}::timestamptz`);
  if (query.after !== undefined) {
    where.push(`(${ts}, ${id}) < (${param(query.after.ts)}::timestamptz, ${param(query.after.id)})`);
  }
  const sql =
    `SELECT a.id, a.ts, a.status, a.body FROM ${from}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${ts} DESC, ${id} DESC LIMIT $${params.length + 1}`;
  return { sql, params };
}

/** The stored alert with the status column applied: the column is the truth for a human status. */
function alertOfRow(body: Alert, status: string): Alert {
  if (body.status !== status) body.status = status as Alert['status'];
  return body;
}

function keyCheckpointOfRow(row: KeyStateRow): KeyCheckpoint {
  const checkpoint: KeyCheckpoint = {
    keyId: row.key_id,
    version: row.version,
    state: row.state,
    lastSeen: Number(row.last_seen),
  };
  if (row.org_id !== null) checkpoint.orgId = row.org_id;
  if (row.kafka_partition !== null) checkpoint.partition = row.kafka_partition;
  return checkpoint;
}

function tokenRecordOfRow(row: TokenRow): TokenRecord {
  const record: TokenRecord = {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as TokenScope[],
    createdAt: row.created_at.toISOString(),
  };
  if (row.last_used_at !== null) record.lastUsedAt = row.last_used_at.toISOString();
  return record;
}
