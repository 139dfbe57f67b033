import type Database from 'better-sqlite3';
import type { NormalizedAlertQuery } from './alert-query.js';

/** The SQLite store's prepared statements, created once per connection after migration. */
export type Statements = ReturnType<typeof prepareStatements>;

/** Prepares every fixed statement of the SQLite store (the listing's are prepared per filter shape). */
export function prepareStatements(db: Database.Database) {
  return {
    selectAlertWriteState: db.prepare(
      'SELECT status, severity_rank, detectors, ts, timeline_next FROM alerts WHERE id = ?',
    ),
    upsertAlert: db.prepare(`
      INSERT INTO alerts (id, key_id, org_id, detector, detectors, severity_rank, status, ts, last_seen, score,
        count, body, timeline_next, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id, org_id = excluded.org_id,
        detector = excluded.detector, detectors = excluded.detectors, severity_rank = excluded.severity_rank,
        status = excluded.status, ts = excluded.ts, last_seen = excluded.last_seen, score = excluded.score,
        count = excluded.count, body = excluded.body, timeline_next = excluded.timeline_next,
        updated_at = excluded.updated_at`),
    deleteAlertDetectors: db.prepare('DELETE FROM alert_detectors WHERE alert_id = ?'),
    insertAlertDetector: db.prepare(
      'INSERT OR IGNORE INTO alert_detectors (detector, ts, alert_id, status, severity_rank) VALUES (?, ?, ?, ?, ?)',
    ),
    updateAlertDetectors: db.prepare(
      'UPDATE alert_detectors SET status = ?, severity_rank = ? WHERE alert_id = ?',
    ),
    insertTimelineEntry: db.prepare(
      'INSERT INTO alert_timeline (alert_id, seq, ts, entry) VALUES (?, ?, ?, ?)',
    ),
    trimTimeline: db.prepare('DELETE FROM alert_timeline WHERE alert_id = ? AND seq < ?'),
    selectAlert: db.prepare('SELECT status, body FROM alerts WHERE id = ?'),
    selectTimeline: db.prepare('SELECT entry FROM alert_timeline WHERE alert_id = ? ORDER BY seq'),
    selectStatusChanges: db.prepare(
      'SELECT status, note, actor, at FROM alert_status_changes WHERE alert_id = ? ORDER BY id',
    ),
    updateAlertStatus: db.prepare('UPDATE alerts SET status = ?, body = ?, updated_at = ? WHERE id = ?'),
    updateAlertDetectorsStatus: db.prepare('UPDATE alert_detectors SET status = ? WHERE alert_id = ?'),
    insertStatusChange: db.prepare(
      'INSERT INTO alert_status_changes (alert_id, status, note, actor, at) VALUES (?, ?, ?, ?, ?)',
    ),
    countAlerts: db.prepare('SELECT count(*) AS n FROM alerts'),
    upsertKeyState: db.prepare(`
      INSERT INTO key_states (key_id, org_id, version, state, last_seen, kafka_partition, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key_id) DO UPDATE SET org_id = excluded.org_id, version = excluded.version,
        state = excluded.state, last_seen = excluded.last_seen, kafka_partition = excluded.kafka_partition,
        updated_at = excluded.updated_at`),
    selectAllKeyStates: db.prepare(
      'SELECT key_id, org_id, version, state, last_seen, kafka_partition FROM key_states',
    ),
    selectKeyStatesOfPartitions: db.prepare(`
      SELECT key_id, org_id, version, state, last_seen, kafka_partition FROM key_states
      WHERE kafka_partition IN (SELECT value FROM json_each(?))`),
    selectKeyState: db.prepare(
      'SELECT key_id, org_id, version, state, last_seen, kafka_partition FROM key_states WHERE key_id = ?',
    ),
    selectFirstKeyIds: db.prepare('SELECT key_id FROM key_states ORDER BY key_id LIMIT ?'),
    selectKeyIdsAfter: db.prepare('SELECT key_id FROM key_states WHERE key_id > ? ORDER BY key_id LIMIT ?'),
    upsertOrgState: db.prepare(`
      INSERT INTO org_states (org_id, version, state, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (org_id) DO UPDATE SET version = excluded.version, state = excluded.state,
        updated_at = excluded.updated_at`),
    selectOrgStates: db.prepare('SELECT org_id, version, state FROM org_states ORDER BY org_id'),
    insertEventLog: db.prepare('INSERT INTO event_log (stream, seq, events, created_at) VALUES (?, ?, ?, ?)'),
    trimEventLog: db.prepare('DELETE FROM event_log WHERE stream = ? AND seq <= ?'),
    selectEventLog: db.prepare('SELECT stream, seq, events FROM event_log WHERE stream = ? ORDER BY seq'),
    insertIngestBatch: db.prepare(
      'INSERT INTO ingest_batches (id, result, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ),
    pruneIngestBatches: db.prepare('DELETE FROM ingest_batches WHERE created_at < ?'),
    // last_seen is a toISOString() instant: text order is time order.
    pruneAlerts: db.prepare('DELETE FROM alerts WHERE last_seen < ?'),
    selectIngestBatch: db.prepare('SELECT result FROM ingest_batches WHERE id = ? AND created_at >= ?'),
    upsertOffset: db.prepare(`
      INSERT INTO offsets (consumer_group, topic, kafka_partition, next_offset, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset,
        updated_at = excluded.updated_at`),
    selectOffsets: db.prepare(
      'SELECT kafka_partition, next_offset FROM offsets WHERE consumer_group = ? AND topic = ? ORDER BY kafka_partition',
    ),
    deleteKeyState: db.prepare('DELETE FROM key_states WHERE key_id = ?'),
    claimLease: db.prepare(`
      INSERT INTO partition_leases (consumer_group, topic, kafka_partition, epoch, owner, claimed_at) VALUES (?, ?, ?, 1, ?, ?)
      ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE SET epoch = epoch + 1, owner = excluded.owner,
        claimed_at = excluded.claimed_at
      RETURNING epoch`),
    selectLeaseEpoch: db.prepare(
      'SELECT epoch FROM partition_leases WHERE consumer_group = ? AND topic = ? AND kafka_partition = ?',
    ),
    selectPolicy: db.prepare('SELECT policy FROM policies WHERE key_id = ?'),
    upsertPolicy: db.prepare(`
      INSERT INTO policies (key_id, policy, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`),
    selectPolicies: db.prepare('SELECT key_id, policy FROM policies ORDER BY key_id'),
    insertToken: db.prepare(
      'INSERT INTO api_tokens (id, token_hash, name, scopes, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    ensureToken: db.prepare(`
      INSERT INTO api_tokens (id, token_hash, name, scopes, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (token_hash) DO UPDATE SET name = excluded.name, scopes = excluded.scopes
      RETURNING id, token_hash, name, scopes, created_at, last_used_at`),
    selectActiveToken: db.prepare(`
      SELECT id, token_hash, name, scopes, created_at, last_used_at FROM api_tokens
      WHERE token_hash = ? AND revoked_at IS NULL`),
    touchToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
    selectActiveTokens: db.prepare(`
      SELECT id, token_hash, name, scopes, created_at, last_used_at FROM api_tokens
      WHERE revoked_at IS NULL ORDER BY created_at, id`),
    revokeToken: db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
  };
}

/**
 * The listing query. The most selective filter drives, through the index whose order is the listing's
 * order (ts DESC, id DESC), so a page reads about `limit` index entries: a key's alerts, the detector
 * index, the status index, or all alerts by time. INDEXED BY pins that choice, which SQLite would
 * otherwise guess without statistics.
 */
export function listAlertsSql(query: NormalizedAlertQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  let from: string;
  let ts = 'a.ts';
  let id = 'a.id';
  // Status and severity are tested on the driving index's entries (both are repeated there).
  let filtered = 'a';
  if (query.keyId !== undefined) {
    from = 'alerts AS a INDEXED BY alerts_key_ts_id';
    where.push('a.key_id = ?');
    params.push(query.keyId);
    if (query.detector !== undefined) {
      where.push("instr(a.detectors, '|' || ? || '|') > 0");
      params.push(query.detector);
    }
  } else if (query.detector !== undefined) {
    // CROSS JOIN keeps alert_detectors as the outer loop.
    from = 'alert_detectors AS d CROSS JOIN alerts AS a ON a.id = d.alert_id';
    ts = 'd.ts';
    id = 'd.alert_id';
    filtered = 'd';
    where.push('d.detector = ?');
    params.push(query.detector);
  } else if (query.status !== undefined) {
    from = 'alerts AS a INDEXED BY alerts_status_ts_id';
  } else {
    from = 'alerts AS a INDEXED BY alerts_ts_id';
  }
  if (query.status !== undefined) {
    where.push(`${filtered}.status = ?`);
    params.push(query.status);
  }
  if (query.minSeverityRank !== undefined && query.minSeverityRank > 0) {
    where.push(`${filtered}.severity_rank >= ?`);
    params.push(query.minSeverityRank);
  }
  if (query.since !== undefined) {
    where.push(`${ts} >= ?`);
    params.push(query.since);
  }
  if (query.until !== undefined) {
    where.push(`${ts} < ?`);
    params.push(query.until);
  }
  if (query.after !== undefined) {
    where.push(`(${ts}, ${id}) < (?, ?)`);
    params.push(query.after.ts, query.after.id);
  }
  const sql =
    `SELECT a.id AS id, a.ts AS ts, a.status AS status, a.body AS body FROM ${from}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${ts} DESC, ${id} DESC LIMIT ?`;
  return { sql, params };
}
