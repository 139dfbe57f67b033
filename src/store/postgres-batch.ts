import type pg from 'pg';
import type { TimelineEntry } from '../engine/types.js';
import { alertEventTypes } from './alert-events.js';
import {
  detectorsColumn,
  mergeAlertWrites,
  SEVERITY_RANK,
  TIMELINE_LIMIT,
  withKeptStatus,
} from './alert-write.js';
import { fenceBatch, leaseKey } from './leases.js';
import { type AlertEventRow, appendAlertEventRows, insertOutboxRows } from './postgres-webhooks.js';
import { type AlertWrite, type CommitResult, INGEST_BATCH_RETENTION_MS, type StoreBatch } from './types.js';

/** Rows per multi-row statement: big enough to amortise round trips, small enough to bound memory. */
const ROWS_PER_STATEMENT = 5000;
const ALERTS_PER_STATEMENT = 1000;

/**
 * Writes one batch inside the caller's transaction with a few multi-row statements: each takes one JSON
 * parameter read by `json_to_recordset`, which costs one JSON.stringify instead of per-value escaping.
 * Alerts are written in id order so that two instances touching the same alerts (during a rebalance)
 * lock them in the same order.
 */
export async function writeBatch(client: pg.PoolClient, unfenced: StoreBatch): Promise<CommitResult> {
  const { batch, lostPartitions } = fenceBatch(unfenced, await leaseEpochs(client, unfenced));
  // Cascades to the alert's timeline, detectors and status changes.
  const pruned =
    batch.pruneAlertsBefore === undefined
      ? {}
      : {
          alertsPruned:
            (
              await client.query('DELETE FROM alerts WHERE last_seen < $1::timestamptz', [
                batch.pruneAlertsBefore,
              ])
            ).rowCount ?? 0,
        };
  const alerts = mergeAlertWrites(batch.alerts).sort((left, right) =>
    compareText(left.alert.id, right.alert.id),
  );
  const alertEvents: AlertEventRow[] = [];
  for (let start = 0; start < alerts.length; start += ALERTS_PER_STATEMENT) {
    alertEvents.push(...(await writeAlerts(client, alerts.slice(start, start + ALERTS_PER_STATEMENT))));
  }
  for (const chunk of chunks(batch.keyStates, ROWS_PER_STATEMENT)) {
    // The checkpoints are serialised as they are: their property names are the recordset's columns.
    await client.query(UPSERT_KEY_STATES, [JSON.stringify(chunk)]);
  }
  for (const chunk of chunks(batch.forgottenKeys ?? [], ROWS_PER_STATEMENT)) {
    await client.query('DELETE FROM key_states WHERE key_id = ANY($1::text[])', [
      chunk.map((key) => key.keyId),
    ]);
  }
  for (const chunk of chunks(batch.orgStates ?? [], ROWS_PER_STATEMENT)) {
    await client.query(UPSERT_ORG_STATES, [JSON.stringify(chunk)]);
  }
  for (const chunk of chunks(batch.offsets ?? [], ROWS_PER_STATEMENT)) {
    await client.query(UPSERT_OFFSETS, [JSON.stringify(chunk)]);
  }
  if (batch.eventLog !== undefined) {
    await client.query('INSERT INTO event_log (stream, seq, events) VALUES ($1, $2, $3)', [
      batch.eventLog.stream,
      batch.eventLog.seq,
      batch.eventLog.events,
    ]);
  }
  if (batch.logCheckpoint !== undefined) {
    await client.query('DELETE FROM event_log WHERE stream = $1 AND seq <= $2', [
      batch.logCheckpoint.stream,
      batch.logCheckpoint.seq,
    ]);
  }
  if (batch.ingestBatch !== undefined) {
    await client.query(
      `DELETE FROM ingest_batches WHERE created_at < now() - interval '${INGEST_BATCH_RETENTION_MS / 1000} seconds'`,
    );
    await client.query(
      'INSERT INTO ingest_batches (id, result) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
      [batch.ingestBatch.id, batch.ingestBatch.result],
    );
  }
  if (batch.outbox !== undefined) await insertOutboxRows(client, batch.outbox);
  // Last: it takes the lock that orders the change log, held until the commit.
  await appendAlertEventRows(client, alertEvents);
  return { lostPartitions, ...pruned };
}

/**
 * The stored epochs of the batch's leases, locked FOR SHARE until the commit: a claim of one of
 * these partitions waits until this batch is written (or sees it was fenced off).
 */
async function leaseEpochs(client: pg.PoolClient, batch: StoreBatch): Promise<Map<string, number>> {
  const current = new Map<string, number>();
  const leases = batch.leases ?? [];
  if (leases.length === 0) return current;
  const rows = await client.query<{
    consumer_group: string;
    topic: string;
    kafka_partition: number;
    epoch: string;
  }>(
    `SELECT l.consumer_group, l.topic, l.kafka_partition, l.epoch
FROM partition_leases AS l
JOIN json_to_recordset($1::json) AS r("group" text, topic text, partition integer)
  ON l.consumer_group = r."group" AND l.topic = r.topic AND l.kafka_partition = r.partition
ORDER BY l.consumer_group, l.topic, l.kafka_partition
FOR SHARE OF l`,
    [JSON.stringify(leases.map(({ group, topic, partition }) => ({ group, topic, partition })))],
  );
  for (const row of rows.rows)
    current.set(
      leaseKey({ group: row.consumer_group, topic: row.topic, partition: row.kafka_partition }),
      Number(row.epoch),
    );
  return current;
}

// In the three upserts below, DISTINCT ON keeps the last occurrence of a key within one statement
// (PostgreSQL refuses to update a row twice in one INSERT … ON CONFLICT) and sorts rows by key, which is
// the lock order. A JSON null state arrives as SQL NULL and is stored as the JSON value null.
const UPSERT_KEY_STATES = `
INSERT INTO key_states (key_id, org_id, version, state, last_seen, kafka_partition, updated_at)
SELECT DISTINCT ON (r."keyId") r."keyId", r."orgId", r.version, coalesce(r.state, 'null'::json),
  r."lastSeen"::bigint, r.partition, now()
FROM ROWS FROM (json_to_recordset($1::json) AS ("keyId" text, "orgId" text, version text, state json,
  "lastSeen" double precision, partition integer)) WITH ORDINALITY AS r("keyId", "orgId", version, state,
  "lastSeen", partition, n)
ORDER BY r."keyId", r.n DESC
ON CONFLICT (key_id) DO UPDATE SET org_id = EXCLUDED.org_id, version = EXCLUDED.version, state = EXCLUDED.state,
  last_seen = EXCLUDED.last_seen, kafka_partition = EXCLUDED.kafka_partition, updated_at = EXCLUDED.updated_at`;

const UPSERT_ORG_STATES = `
INSERT INTO org_states (org_id, version, state, updated_at)
SELECT DISTINCT ON (r."orgId") r."orgId", r.version, coalesce(r.state, 'null'::json), now()
FROM ROWS FROM (json_to_recordset($1::json) AS ("orgId" text, version text, state json))
  WITH ORDINALITY AS r("orgId", version, state, n)
ORDER BY r."orgId", r.n DESC
ON CONFLICT (org_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state,
  updated_at = EXCLUDED.updated_at`;

const UPSERT_OFFSETS = `
INSERT INTO offsets (consumer_group, topic, kafka_partition, next_offset, updated_at)
SELECT DISTINCT ON (r."group", r.topic, r.partition) r."group", r.topic, r.partition, r."offset", now()
FROM ROWS FROM (json_to_recordset($1::json) AS ("group" text, topic text, partition integer, "offset" text))
  WITH ORDINALITY AS r("group", topic, partition, "offset", n)
ORDER BY r."group", r.topic, r.partition, r.n DESC
ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset,
  updated_at = EXCLUDED.updated_at`;

const SELECT_ALERTS_FOR_WRITE = `
SELECT id, status, severity_rank, detectors, ts FROM alerts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

// A human status survives here too, for a row that another instance inserted after the locking read.
const UPSERT_ALERTS = `
INSERT INTO alerts AS a (id, key_id, org_id, detector, detectors, severity_rank, status, ts, last_seen, score,
  count, body, timeline_next, updated_at)
SELECT r.id, r.key_id, r.org_id, r.detector, r.detectors, r.severity_rank, r.status, r.ts, r.last_seen, r.score,
  r.count, r.body, r.added, now()
FROM json_to_recordset($1::json) AS r(id text, key_id text, org_id text, detector text, detectors text,
  severity_rank smallint, status text, ts timestamptz, last_seen timestamptz, score double precision,
  count integer, body json, added bigint)
ON CONFLICT (id) DO UPDATE SET key_id = EXCLUDED.key_id, org_id = EXCLUDED.org_id, detector = EXCLUDED.detector,
  detectors = EXCLUDED.detectors, severity_rank = EXCLUDED.severity_rank,
  status = CASE WHEN a.status IN ('acknowledged', 'resolved', 'false_positive') AND EXCLUDED.status IN ('open', 'closed')
    THEN a.status ELSE EXCLUDED.status END,
  ts = EXCLUDED.ts, last_seen = EXCLUDED.last_seen, score = EXCLUDED.score, count = EXCLUDED.count,
  body = EXCLUDED.body, timeline_next = a.timeline_next + EXCLUDED.timeline_next, updated_at = EXCLUDED.updated_at
RETURNING id, timeline_next`;

const DELETE_ALERT_DETECTORS = 'DELETE FROM alert_detectors WHERE alert_id = ANY($1::text[])';

// The detector index repeats ts, status and severity, read back from the rows just written.
const INSERT_ALERT_DETECTORS = `
INSERT INTO alert_detectors (detector, ts, alert_id, status, severity_rank)
SELECT r.detector, a.ts, r.alert_id, a.status, a.severity_rank
FROM json_to_recordset($1::json) AS r(detector text, alert_id text)
JOIN alerts AS a ON a.id = r.alert_id
ON CONFLICT DO NOTHING`;

const SYNC_ALERT_DETECTORS = `
UPDATE alert_detectors AS d SET status = a.status, severity_rank = a.severity_rank
FROM alerts AS a
WHERE a.id = ANY($1::text[]) AND d.alert_id = a.id AND (d.status <> a.status OR d.severity_rank <> a.severity_rank)`;

const INSERT_TIMELINE = `
INSERT INTO alert_timeline (alert_id, seq, ts, entry)
SELECT r.alert_id, r.seq, r.ts, r.entry
FROM json_to_recordset($1::json) AS r(alert_id text, seq bigint, ts timestamptz, entry json)`;

const TRIM_TIMELINE = `
DELETE FROM alert_timeline AS t USING json_to_recordset($1::json) AS b(alert_id text, min_seq bigint)
WHERE t.alert_id = b.alert_id AND t.seq < b.min_seq`;

/** Upserts alerts (already merged per id and sorted), their detector index rows and timelines. */
async function writeAlerts(client: pg.PoolClient, writes: readonly AlertWrite[]): Promise<AlertEventRow[]> {
  const ids = writes.map((write) => write.alert.id);
  const existing = new Map(
    (
      await client.query<{ id: string; status: string; severity_rank: number; detectors: string; ts: Date }>(
        SELECT_ALERTS_FOR_WRITE,
        [ids],
      )
    ).rows.map((row) => [row.id, row]),
  );
  const rows = writes.map(({ alert, newTimeline }) => {
    const stored = withKeptStatus(alert, existing.get(alert.id)?.status);
    return {
      id: alert.id,
      key_id: alert.keyId,
      org_id: alert.orgId ?? null,
      detector: alert.detector,
      detectors: detectorsColumn(alert.detectors),
      severity_rank: SEVERITY_RANK[alert.severity],
      status: stored.status,
      ts: alert.ts,
      last_seen: alert.lastSeen,
      score: alert.score,
      count: alert.count,
      body: stored,
      added: newTimeline.length,
    };
  });
  const upserted = await client.query<{ id: string; timeline_next: string }>(UPSERT_ALERTS, [
    JSON.stringify(rows),
  ]);
  const timelineNext = new Map(upserted.rows.map((row) => [row.id, Number(row.timeline_next)]));

  const reindexed: string[] = [];
  const kept: string[] = [];
  const detectorRows: { detector: string; alert_id: string }[] = [];
  const entries: { alert_id: string; seq: number; ts: string; entry: TimelineEntry }[] = [];
  const trims: { alert_id: string; min_seq: number }[] = [];
  for (let index = 0; index < writes.length; index++) {
    const { alert, newTimeline } = writes[index]!;
    const previous = existing.get(alert.id);
    if (
      previous === undefined ||
      previous.detectors !== rows[index]!.detectors ||
      previous.ts.getTime() !== Date.parse(alert.ts)
    ) {
      if (previous !== undefined) reindexed.push(alert.id);
      for (const detector of alert.detectors) detectorRows.push({ detector, alert_id: alert.id });
    } else {
      kept.push(alert.id);
    }
    if (newTimeline.length === 0) continue;
    const next = timelineNext.get(alert.id)!;
    newTimeline.forEach((entry, offset) => {
      entries.push({ alert_id: alert.id, seq: next - newTimeline.length + offset, ts: entry.ts, entry });
    });
    if (next > TIMELINE_LIMIT) trims.push({ alert_id: alert.id, min_seq: next - TIMELINE_LIMIT });
  }
  if (reindexed.length > 0) await client.query(DELETE_ALERT_DETECTORS, [reindexed]);
  if (detectorRows.length > 0) await client.query(INSERT_ALERT_DETECTORS, [JSON.stringify(detectorRows)]);
  if (kept.length > 0) await client.query(SYNC_ALERT_DETECTORS, [kept]);
  for (const chunk of chunks(entries, ROWS_PER_STATEMENT))
    await client.query(INSERT_TIMELINE, [JSON.stringify(chunk)]);
  if (trims.length > 0) await client.query(TRIM_TIMELINE, [JSON.stringify(trims)]);
  const events: AlertEventRow[] = [];
  for (let index = 0; index < writes.length; index++) {
    const { alert } = writes[index]!;
    for (const type of alertEventTypes(existing.get(alert.id), alert)) {
      events.push({ type, alert_id: alert.id, body: rows[index]!.body });
    }
  }
  return events;
}

/** A fixed order of ids, so that concurrent transactions lock rows in the same order. */
function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function* chunks<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  if (items.length <= size) {
    if (items.length > 0) yield items;
    return;
  }
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
