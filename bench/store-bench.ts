/**
 * Store benchmark: writes N alerts (default 1,000,000) in batches of 1,000, then measures the latency
 * of `listAlerts` for several filter combinations (target: p99 ≤ 50 ms on SQLite with 1M alerts).
 *
 *   npx tsx bench/store-bench.ts                          # SQLite, 1M alerts, in a temporary directory
 *   npx tsx bench/store-bench.ts --backend postgres --alerts 200000
 *   npx tsx bench/store-bench.ts --backend both --key-states 50000
 *
 * PostgreSQL: KEYWATCH_BENCH_DATABASE_URL, else KEYWATCH_TEST_DATABASE_URL, else the test database
 * (postgres://keywatch:keywatch@127.0.0.1:5432/keywatch_test); the benchmark works in a schema of its
 * own and drops it afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { AlertQuery, KeyCheckpoint, Store } from '../src/store/types.js';
import { loadAlerts, prng, SPAN_MS, START_MS } from './alert-fixtures.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    alerts: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '300' },
    'key-states': { type: 'string', default: '100000' },
  },
});

const ALERT_COUNT = Number(args.alerts);
const KEY_COUNT = Number(args.keys);
const BATCH_SIZE = Number(args.batch);
const QUERIES_PER_CASE = Number(args.queries);
const KEY_STATE_COUNT = Number(args['key-states']);

async function loadAllAlerts(store: Store): Promise<void> {
  const started = performance.now();
  const rate = await loadAlerts(store, ALERT_COUNT, KEY_COUNT, BATCH_SIZE);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `insert: ${ALERT_COUNT} alerts (1 timeline entry each) in batches of ${BATCH_SIZE}: ${seconds.toFixed(1)} s, ` +
      `${Math.round(rate)} alerts/s`,
  );
}

async function benchKeyStates(store: Store): Promise<void> {
  if (KEY_STATE_COUNT === 0) return;
  const states: KeyCheckpoint[] = Array.from({ length: KEY_STATE_COUNT }, (_, index) => ({
    keyId: `key-${index}`,
    orgId: `org-${index % 200}`,
    version: 'engine-1',
    state: {
      'unfamiliar-ip': { countries: { US: 120, DE: 4 }, asns: [64500, 64501] },
      'odd-hours': { n: index },
    },
    lastSeen: START_MS + index,
    partition: index % 12,
  }));
  const chunk = 5000;
  let started = performance.now();
  for (let start = 0; start < states.length; start += chunk) {
    await store.commit({ alerts: [], keyStates: states.slice(start, start + chunk) });
  }
  let seconds = (performance.now() - started) / 1000;
  console.log(
    `key states: ${KEY_STATE_COUNT} upserted in batches of ${chunk}: ${Math.round(KEY_STATE_COUNT / seconds)}/s`,
  );
  started = performance.now();
  const loaded = await store.loadKeyStates();
  seconds = (performance.now() - started) / 1000;
  console.log(`key states: ${loaded.length} loaded in ${(seconds * 1000).toFixed(0)} ms`);
}

interface QueryCase {
  name: string;
  /** Builds the i-th query (random parameters where the case has some). */
  query: (random: () => number) => Omit<AlertQuery, 'limit'>;
  /** Follows the cursor for this many pages per measured call sequence. */
  pages?: number;
}

const CASES: QueryCase[] = [
  { name: 'no filter, first page', query: () => ({}) },
  { name: 'no filter, pages 2-10 by cursor', query: () => ({}), pages: 10 },
  { name: 'keyId', query: (random) => ({ keyId: `key-${Math.floor(random() * KEY_COUNT)}` }) },
  { name: 'severity >= high', query: () => ({ severity: 'high' }) },
  { name: 'severity >= critical', query: () => ({ severity: 'critical' }) },
  { name: 'detector odd-hours', query: () => ({ detector: 'odd-hours' }) },
  { name: 'detector impossible-travel (3%)', query: () => ({ detector: 'impossible-travel' }) },
  { name: 'status open', query: () => ({ status: 'open' }) },
  { name: 'status false_positive (1%)', query: () => ({ status: 'false_positive' }) },
  {
    name: 'one-day window',
    query: (random) => {
      const since = START_MS + Math.floor(random() * (SPAN_MS - 86_400_000));
      return { since: new Date(since).toISOString(), until: new Date(since + 86_400_000).toISOString() };
    },
  },
  {
    name: 'keyId + detector',
    query: (random) => ({ keyId: `key-${Math.floor(random() * KEY_COUNT)}`, detector: 'unfamiliar-ip' }),
  },
  {
    name: 'detector + severity >= high + status open',
    query: () => ({ detector: 'odd-hours', severity: 'high', status: 'open' }),
  },
  {
    name: 'status acknowledged + severity critical',
    query: () => ({ status: 'acknowledged', severity: 'critical' }),
  },
  {
    name: 'detector + one-week window',
    query: (random) => {
      const since = START_MS + Math.floor(random() * (SPAN_MS - 7 * 86_400_000));
      return {
        detector: 'usage-spike',
        since: new Date(since).toISOString(),
        until: new Date(since + 7 * 86_400_000).toISOString(),
      };
    },
  },
  {
    name: 'rare: impossible-travel + false_positive',
    query: () => ({ detector: 'impossible-travel', status: 'false_positive' }),
  },
];

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function benchQueries(store: Store, limit: number): Promise<void> {
  const random = prng(7);
  console.log(`listAlerts, limit ${limit}, ${QUERIES_PER_CASE} calls per case (ms):`);
  console.log(`  ${'case'.padEnd(46)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  items`);
  for (const benchCase of CASES) {
    const latencies: number[] = [];
    let items = 0;
    // Warm-up, so the first numbers do not measure statement preparation.
    await store.listAlerts({ ...benchCase.query(random), limit });
    for (let call = 0; call < QUERIES_PER_CASE; ) {
      const query = benchCase.query(random);
      let cursor: string | undefined;
      const pages = benchCase.pages ?? 1;
      for (let page = 0; page < pages && call < QUERIES_PER_CASE; page++) {
        const started = performance.now();
        const result = await store.listAlerts({ ...query, limit, cursor });
        const elapsed = performance.now() - started;
        // The "pages 2-10" case measures only the calls that use a cursor.
        if (benchCase.pages === undefined || page > 0) {
          latencies.push(elapsed);
          items += result.items.length;
          call++;
        }
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
    }
    latencies.sort((left, right) => left - right);
    console.log(
      `  ${benchCase.name.padEnd(46)} ${percentile(latencies, 0.5).toFixed(2).padStart(7)} ` +
        `${percentile(latencies, 0.99).toFixed(2).padStart(7)} ${latencies[latencies.length - 1]!.toFixed(2).padStart(7)}` +
        `  ${(items / latencies.length).toFixed(0)}`,
    );
  }
}

async function run(store: Store, label: string, afterLoad: () => Promise<void>): Promise<void> {
  console.log(`\n== ${label} ==`);
  await store.migrate();
  await loadAllAlerts(store);
  await afterLoad();
  await benchQueries(store, 50);
  await benchQueries(store, 500);
  await benchKeyStates(store);
}

async function benchSqlite(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'keywatch-store-bench-'));
  const store = await openSqliteStore(join(directory, 'keywatch.db'));
  try {
    await run(store, `SQLite (${join(directory, 'keywatch.db')})`, async () => {});
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function benchPostgres(): Promise<void> {
  const url =
    process.env.KEYWATCH_BENCH_DATABASE_URL ??
    process.env.KEYWATCH_TEST_DATABASE_URL ??
    'postgres://keywatch:keywatch@127.0.0.1:5432/keywatch_test';
  const schema = `kw_bench_${process.pid}`;
  const store = await openPostgresStore(url, { schema });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await run(store, `PostgreSQL (schema ${schema})`, async () => {
      // A freshly loaded table has no statistics until autovacuum runs; a long-lived one has them.
      await admin.query(`ANALYZE ${schema}.alerts, ${schema}.alert_detectors`);
    });
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

if (args.backend === 'sqlite' || args.backend === 'both') await benchSqlite();
if (args.backend === 'postgres' || args.backend === 'both') await benchPostgres();
