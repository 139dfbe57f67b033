import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { PolicyInput } from '../config/schema.js';
import type { Alert, TimelineEntry } from '../engine/types.js';
import { KeywatchError } from '../errors.js';
import { canonicalIso, normalizeAlertQuery } from './alert-query.js';
import {
  detectorsColumn,
  detectorsOfColumn,
  SEVERITY_RANK,
  TIMELINE_LIMIT,
  withKeptStatus,
} from './alert-write.js';
import { encodeAlertCursor } from './cursor.js';
import { fenceBatch, leaseKey } from './leases.js';
import { MIGRATIONS } from './migrations/index.js';
import { listAlertsSql, prepareStatements, type Statements } from './sqlite-statements.js';
import { SqliteWebhookStore } from './sqlite-webhooks.js';
import { storeError } from './store-error.js';
import { generateToken, generateTokenId, hashToken, tokenHashesMatch } from './token-hash.js';
import {
  type AlertPage,
  type AlertQuery,
  type AlertStatusChange,
  type AlertWrite,
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

/** Options of the embedded SQLite store. */
export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before failing, in ms (default 5000). */
  busyTimeoutMs?: number;
  /** SQLite's page cache, in MiB (default 64; SQLite's own default of 2 MiB thrashes on large alert tables). */
  cacheSizeMb?: number;
}

/** `last_used_at` is rewritten at most this often, so reads do not turn every API call into a write. */
const TOKEN_TOUCH_INTERVAL_MS = 60_000;
/** Longer values cannot be tokens; refusing them early bounds the hashing work of a bad request. */
const MAX_TOKEN_LENGTH = 512;

interface AlertWriteState {
  status: string;
  severity_rank: number;
  detectors: string;
  ts: string;
  timeline_next: number;
}

interface AlertListRow {
  id: string;
  ts: string;
  status: string;
  body: string;
}

interface KeyStateRow {
  key_id: string;
  org_id: string | null;
  version: string;
  state: string;
  last_seen: number;
  kafka_partition: number | null;
}

interface TokenRow {
  id: string;
  token_hash: string;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
}

/**
 * Opens (and creates, with its parent directory) an SQLite store. Call `migrate()` before use.
 *
 * @example
 * const store = await openSqliteStore('./data/keywatch.db');
 * await store.migrate();
 */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  return new SqliteStore(path, options);
}

/**
 * The embedded store: one better-sqlite3 connection in WAL mode with `synchronous=FULL`, so a resolved
 * `commit()` survives a power loss. The driver is synchronous; the async methods only adapt it to `Store`.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  #statements: Statements | undefined;
  readonly #listStatements = new Map<string, Database.Statement>();
  readonly #commitTransaction: (batch: StoreBatch) => CommitResult;
  readonly webhooks: SqliteWebhookStore;
  /** Tokens this connection revoked (part of tokenStamp). */
  #tokenRevocations = 0;
  #dataVersion: Database.Statement | undefined;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    const inMemory = path === ':memory:';
    try {
      if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
      this.#db = new Database(path);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      this.#db.pragma('foreign_keys = ON');
      this.#db.pragma(`cache_size = ${-1024 * Math.max(1, Math.trunc(options.cacheSizeMb ?? 64))}`);
      // Checkpoint every ~40 MB of WAL instead of 4 MB: copying pages back to the database file less often
      // doubles the alert write rate. The size limit truncates the WAL file again after a checkpoint.
      this.#db.pragma('wal_autocheckpoint = 10000');
      this.#db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    } catch (error) {
      throw storeError(`opening SQLite database ${path}`, error);
    }
    const transaction = this.#db.transaction((batch: StoreBatch) => this.#writeBatch(batch));
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads first could fail to
    // upgrade when another process writes meanwhile, and busy_timeout cannot help with that.
    this.#commitTransaction = (batch) => transaction.immediate(batch);
    this.webhooks = new SqliteWebhookStore(this.#db);
  }

  async migrate(): Promise<void> {
    try {
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      const applyMissing = this.#db.transaction(() => {
        const applied = new Set(
          (this.#db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
            (row) => row.version,
          ),
        );
        const record = this.#db.prepare(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        );
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          this.#db.exec(migration.sqlite);
          record.run(migration.version, migration.name, new Date().toISOString());
        }
      });
      // One immediate transaction for all pending migrations: another process migrating the same file
      // waits for the lock and then finds nothing left to do.
      applyMissing.immediate();
    } catch (error) {
      throw storeError('migrating the SQLite schema', error);
    }
  }

  async commit(batch: StoreBatch): Promise<CommitResult> {
    return this.#run('committing a batch', () => this.#commitTransaction(batch));
  }

  async claimPartitions(
    group: string,
    topic: string,
    partitions: readonly number[],
    owner: string,
  ): Promise<PartitionLease[]> {
    return this.#run('claiming partitions', () => {
      const statements = this.#prepared();
      const now = new Date().toISOString();
      const claim = this.#db.transaction(() =>
        [...partitions]
          .sort((left, right) => left - right)
          .map((partition) => {
            const row = statements.claimLease.get(group, topic, partition, owner, now) as { epoch: number };
            return { group, topic, partition, epoch: row.epoch };
          }),
      );
      return claim.immediate();
    });
  }

  async getAlert(
    id: string,
  ): Promise<{ alert: Alert; timeline: TimelineEntry[]; statusHistory: AlertStatusChange[] } | undefined> {
    return this.#run('reading an alert', () => {
      const statements = this.#prepared();
      const row = statements.selectAlert.get(id) as { status: string; body: string } | undefined;
      if (row === undefined) return undefined;
      const timeline = (statements.selectTimeline.all(id) as { entry: string }[]).map(
        (entry) => JSON.parse(entry.entry) as TimelineEntry,
      );
      const statusHistory = (
        statements.selectStatusChanges.all(id) as {
          status: AlertStatusChange['status'];
          note: string | null;
          actor: string;
          at: string;
        }[]
      ).map(({ status, note, actor, at }) =>
        note === null ? { status, actor, at } : { status, note, actor, at },
      );
      return { alert: alertOfRow(row.body, row.status), timeline, statusHistory };
    });
  }

  async listAlerts(query: AlertQuery): Promise<AlertPage> {
    const normalized = normalizeAlertQuery(query);
    return this.#run('listing alerts', () => {
      const { sql, params } = listAlertsSql(normalized);
      let statement = this.#listStatements.get(sql);
      if (statement === undefined) {
        statement = this.#db.prepare(sql);
        this.#listStatements.set(sql, statement);
      }
      // One row more than asked tells whether another page exists, without an empty last page.
      const rows = statement.all(...params, normalized.limit + 1) as AlertListRow[];
      const hasMore = rows.length > normalized.limit;
      if (hasMore) rows.length = normalized.limit;
      const last = rows[rows.length - 1];
      return {
        items: rows.map((row) => alertOfRow(row.body, row.status)),
        nextCursor: hasMore && last !== undefined ? encodeAlertCursor({ ts: last.ts, id: last.id }) : null,
      };
    });
  }

  async setAlertStatus(
    id: string,
    change: AlertStatusChange,
    outbox?: StatusOutbox,
  ): Promise<Alert | undefined> {
    return this.#run('setting an alert status', () => {
      const statements = this.#prepared();
      const at = canonicalIso(change.at);
      if (at === undefined)
        throw new KeywatchError('KW_ERR_BAD_REQUEST', 'at is not a valid ISO time', { field: 'at' });
      const update = this.#db.transaction((): Alert | undefined => {
        const row = statements.selectAlert.get(id) as { status: string; body: string } | undefined;
        if (row === undefined) return undefined;
        const alert: Alert = { ...(JSON.parse(row.body) as Alert), status: change.status };
        statements.updateAlertStatus.run(change.status, JSON.stringify(alert), new Date().toISOString(), id);
        statements.updateAlertDetectorsStatus.run(change.status, id);
        statements.insertStatusChange.run(id, change.status, change.note ?? null, change.actor, at);
        this.webhooks.recordStatusChange(alert, row.status, outbox, new Date().toISOString());
        return alert;
      });
      return update.immediate();
    });
  }

  async countAlerts(): Promise<number> {
    return this.#run('counting alerts', () => (this.#prepared().countAlerts.get() as { n: number }).n);
  }

  async loadKeyStates(filter: { partitions?: number[] } = {}): Promise<KeyCheckpoint[]> {
    return this.#run('loading key states', () => {
      const statements = this.#prepared();
      const rows =
        filter.partitions === undefined
          ? statements.selectAllKeyStates.iterate()
          : statements.selectKeyStatesOfPartitions.iterate(JSON.stringify(filter.partitions));
      const checkpoints: KeyCheckpoint[] = [];
      for (const row of rows) checkpoints.push(keyCheckpointOfRow(row as KeyStateRow));
      return checkpoints;
    });
  }

  async getKeyState(keyId: string): Promise<KeyCheckpoint | undefined> {
    return this.#run('reading a key state', () => {
      const row = this.#prepared().selectKeyState.get(keyId) as KeyStateRow | undefined;
      return row === undefined ? undefined : keyCheckpointOfRow(row);
    });
  }

  async listKeyIds(options: { limit: number; after?: string }): Promise<string[]> {
    return this.#run('listing key ids', () => {
      const statements = this.#prepared();
      const rows =
        options.after === undefined
          ? statements.selectFirstKeyIds.all(options.limit)
          : statements.selectKeyIdsAfter.all(options.after, options.limit);
      return (rows as { key_id: string }[]).map((row) => row.key_id);
    });
  }

  async loadOrgStates(): Promise<OrgCheckpoint[]> {
    return this.#run('loading org states', () =>
      (this.#prepared().selectOrgStates.all() as { org_id: string; version: string; state: string }[]).map(
        (row) => ({ orgId: row.org_id, version: row.version, state: JSON.parse(row.state) as unknown }),
      ),
    );
  }

  async getOffsets(group: string, topic: string): Promise<OffsetCheckpoint[]> {
    return this.#run('reading offsets', () =>
      (
        this.#prepared().selectOffsets.all(group, topic) as { kafka_partition: number; next_offset: string }[]
      ).map((row) => ({ group, topic, partition: row.kafka_partition, offset: row.next_offset })),
    );
  }

  async readEventLog(stream: string): Promise<EventLogEntry[]> {
    return this.#run(
      'reading the event log',
      () => this.#prepared().selectEventLog.all(stream) as EventLogEntry[],
    );
  }

  async getIngestBatch(id: string): Promise<string | undefined> {
    return this.#run('reading an ingest batch', () => {
      const since = new Date(Date.now() - INGEST_BATCH_RETENTION_MS).toISOString();
      const row = this.#prepared().selectIngestBatch.get(id, since) as { result: string } | undefined;
      return row?.result;
    });
  }

  async getPolicy(keyId: string): Promise<PolicyInput | undefined> {
    return this.#run('reading a policy', () => {
      const row = this.#prepared().selectPolicy.get(keyId) as { policy: string } | undefined;
      return row === undefined ? undefined : (JSON.parse(row.policy) as PolicyInput);
    });
  }

  async putPolicy(keyId: string, policy: PolicyInput): Promise<void> {
    this.#run('writing a policy', () => {
      this.#prepared().upsertPolicy.run(keyId, JSON.stringify(policy), new Date().toISOString());
    });
  }

  async listPolicies(): Promise<Record<string, PolicyInput>> {
    return this.#run('listing policies', () => {
      const policies: Record<string, PolicyInput> = {};
      for (const row of this.#prepared().selectPolicies.all() as { key_id: string; policy: string }[]) {
        policies[row.key_id] = JSON.parse(row.policy) as PolicyInput;
      }
      return policies;
    });
  }

  async createToken(input: {
    name: string;
    scopes: TokenScope[];
  }): Promise<{ record: TokenRecord; token: string }> {
    return this.#run('creating a token', () => {
      const token = generateToken();
      const record: TokenRecord = {
        id: generateTokenId(),
        name: input.name,
        scopes: [...input.scopes],
        createdAt: new Date().toISOString(),
      };
      this.#prepared().insertToken.run(
        record.id,
        hashToken(token),
        record.name,
        JSON.stringify(record.scopes),
        record.createdAt,
      );
      return { record, token };
    });
  }

  async ensureToken(input: { name: string; scopes: TokenScope[]; token: string }): Promise<TokenRecord> {
    return this.#run('ensuring a token', () => {
      const row = this.#prepared().ensureToken.get(
        generateTokenId(),
        hashToken(input.token),
        input.name,
        JSON.stringify(input.scopes),
        new Date().toISOString(),
      ) as TokenRow;
      return tokenRecordOfRow(row);
    });
  }

  async verifyToken(token: string): Promise<TokenRecord | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    return this.#run('verifying a token', () => {
      const statements = this.#prepared();
      const presented = hashToken(token);
      const row = statements.selectActiveToken.get(presented) as TokenRow | undefined;
      if (row === undefined || !tokenHashesMatch(row.token_hash, presented)) return undefined;
      const now = Date.now();
      if (row.last_used_at === null || now - Date.parse(row.last_used_at) >= TOKEN_TOUCH_INTERVAL_MS) {
        row.last_used_at = new Date(now).toISOString();
        statements.touchToken.run(row.last_used_at, row.id);
      }
      return tokenRecordOfRow(row);
    });
  }

  async listTokens(): Promise<TokenRecord[]> {
    return this.#run('listing tokens', () =>
      (this.#prepared().selectActiveTokens.all() as TokenRow[]).map(tokenRecordOfRow),
    );
  }

  async revokeToken(id: string): Promise<boolean> {
    const revoked = this.#run(
      'revoking a token',
      () => this.#prepared().revokeToken.run(new Date().toISOString(), id).changes > 0,
    );
    if (revoked) this.#tokenRevocations++;
    return revoked;
  }

  tokenStamp(): string | undefined {
    if (!this.#db.open) return undefined;
    // data_version changes when another connection (another instance, an operator's script) has
    // committed to the file; this connection's own revocations are counted here.
    this.#dataVersion ??= this.#db.prepare('PRAGMA data_version').pluck();
    return `${this.#dataVersion.get() as number}:${this.#tokenRevocations}`;
  }

  async ping(): Promise<void> {
    this.#run('pinging', () => this.#db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    try {
      // Lets SQLite refresh the planner statistics of tables that changed a lot (cheap when nothing did).
      this.#db.pragma('optimize');
    } finally {
      this.#db.close();
    }
  }

  #writeBatch(unfenced: StoreBatch): CommitResult {
    const statements = this.#prepared();
    const now = new Date().toISOString();
    const current = new Map<string, number>();
    for (const lease of unfenced.leases ?? []) {
      const row = statements.selectLeaseEpoch.get(lease.group, lease.topic, lease.partition) as
        | { epoch: number }
        | undefined;
      if (row !== undefined) current.set(leaseKey(lease), row.epoch);
    }
    const { batch, lostPartitions } = fenceBatch(unfenced, current);
    // Cascades to the alert's timeline, detectors and status changes.
    const pruned =
      batch.pruneAlertsBefore === undefined
        ? {}
        : { alertsPruned: statements.pruneAlerts.run(batch.pruneAlertsBefore).changes };
    for (const write of batch.alerts) this.#writeAlert(statements, write, now);
    for (const checkpoint of batch.keyStates) {
      statements.upsertKeyState.run(
        checkpoint.keyId,
        checkpoint.orgId ?? null,
        checkpoint.version,
        JSON.stringify(checkpoint.state),
        checkpoint.lastSeen,
        checkpoint.partition ?? null,
        now,
      );
    }
    for (const { keyId } of batch.forgottenKeys ?? []) statements.deleteKeyState.run(keyId);
    for (const checkpoint of batch.orgStates ?? []) {
      statements.upsertOrgState.run(
        checkpoint.orgId,
        checkpoint.version,
        JSON.stringify(checkpoint.state),
        now,
      );
    }
    for (const offset of batch.offsets ?? []) {
      statements.upsertOffset.run(offset.group, offset.topic, offset.partition, offset.offset, now);
    }
    if (batch.eventLog !== undefined) {
      statements.insertEventLog.run(batch.eventLog.stream, batch.eventLog.seq, batch.eventLog.events, now);
    }
    if (batch.logCheckpoint !== undefined) {
      statements.trimEventLog.run(batch.logCheckpoint.stream, batch.logCheckpoint.seq);
    }
    if (batch.outbox !== undefined) this.webhooks.insertOutbox(batch.outbox, now);
    if (batch.ingestBatch !== undefined) {
      statements.pruneIngestBatches.run(new Date(Date.parse(now) - INGEST_BATCH_RETENTION_MS).toISOString());
      statements.insertIngestBatch.run(batch.ingestBatch.id, batch.ingestBatch.result, now);
    }
    return { lostPartitions, ...pruned };
  }

  #writeAlert(statements: Statements, write: AlertWrite, now: string): void {
    const { alert } = write;
    const ts = canonicalIso(alert.ts);
    const lastSeen = canonicalIso(alert.lastSeen);
    if (ts === undefined || lastSeen === undefined) {
      throw new KeywatchError('KW_ERR_STORE', `alert ${alert.id} has an invalid ts or lastSeen`);
    }
    const existing = statements.selectAlertWriteState.get(alert.id) as AlertWriteState | undefined;
    const stored = withKeptStatus(alert, existing?.status);
    const detectors = detectorsColumn(alert.detectors);
    const severityRank = SEVERITY_RANK[alert.severity];
    // Entries that would be trimmed at once are never written.
    const added =
      write.newTimeline.length > TIMELINE_LIMIT
        ? write.newTimeline.slice(write.newTimeline.length - TIMELINE_LIMIT)
        : write.newTimeline;
    const timelineNext = (existing?.timeline_next ?? 0) + added.length;
    statements.upsertAlert.run(
      alert.id,
      alert.keyId,
      alert.orgId ?? null,
      alert.detector,
      detectors,
      severityRank,
      stored.status,
      ts,
      lastSeen,
      alert.score,
      alert.count,
      JSON.stringify(stored),
      timelineNext,
      now,
    );
    this.webhooks.appendAlertEvents(existing, alert, stored, now);
    // The detector index repeats ts, status and severity: rewrite it when any of them changed.
    if (existing === undefined || existing.detectors !== detectors || existing.ts !== ts) {
      if (existing !== undefined) statements.deleteAlertDetectors.run(alert.id);
      for (const detector of detectorsOfColumn(detectors)) {
        statements.insertAlertDetector.run(detector, ts, alert.id, stored.status, severityRank);
      }
    } else if (existing.status !== stored.status || existing.severity_rank !== severityRank) {
      statements.updateAlertDetectors.run(stored.status, severityRank, alert.id);
    }
    for (let index = 0; index < added.length; index++) {
      const entry = added[index]!;
      statements.insertTimelineEntry.run(
        alert.id,
        timelineNext - added.length + index,
        canonicalIso(entry.ts) ?? entry.ts,
        JSON.stringify(entry),
      );
    }
    if (added.length > 0 && timelineNext > TIMELINE_LIMIT) {
      statements.trimTimeline.run(alert.id, timelineNext - TIMELINE_LIMIT);
    }
  }

  #prepared(): Statements {
    if (this.#statements === undefined) {
      try {
        this.#statements = prepareStatements(this.#db);
      } catch (error) {
        throw new KeywatchError(
          'KW_ERR_STORE',
          `the SQLite schema is not ready (was migrate() called?): ${(error as Error).message}`,
        );
      }
    }
    return this.#statements;
  }

  #run<T>(operation: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storeError(operation, error);
    }
  }
}

/** The stored alert with the status column applied: the column is the truth for a human status. */
function alertOfRow(body: string, status: string): Alert {
  const alert = JSON.parse(body) as Alert;
  if (alert.status !== status) alert.status = status as Alert['status'];
  return alert;
}

function keyCheckpointOfRow(row: KeyStateRow): KeyCheckpoint {
  const checkpoint: KeyCheckpoint = {
    keyId: row.key_id,
    version: row.version,
    state: JSON.parse(row.state) as unknown,
    lastSeen: row.last_seen,
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
    createdAt: row.created_at,
  };
  if (row.last_used_at !== null) record.lastUsedAt = row.last_used_at;
  return record;
}
