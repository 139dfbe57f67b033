import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config/load.js';
import { readLines } from '../src/events/line-reader.js';
import { createMetrics } from '../src/metrics.js';
import { Runtime } from '../src/service/runtime.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { loadAlerts, prng, SPAN_MS, START_MS } from './alert-fixtures.js';
import { replayFile, type Throughput } from './replay-bench.js';

const SERVER = {
  bodyLimitBytes: 16 * 1048576,
  maxEventsPerRequest: 10_000,
  requestTimeoutMs: 120_000,
  rateLimit: { max: 1_000_000, timeWindowMs: 60_000 },
  tokens: [],
  trustProxy: [],
};

/** The API over a real runtime and SQLite store, listening on a free loopback port. */
async function startApi(store: Store): Promise<{ url: string; token: string; close(): Promise<void> }> {
  const config = loadConfig();
  const metrics = createMetrics();
  const runtime = await Runtime.create({ config, store, metrics, logger: pino({ level: 'silent' }) });
  const { token } = await store.createToken({ name: 'bench', scopes: ['admin'] });
  const app = await buildApp({ runtime, metrics, config: SERVER, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    async close() {
      await app.close();
      await runtime.close();
    },
  };
}

async function firstLines(path: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const item of readLines(createReadStream(path), 1 << 20)) {
    if (item.text === undefined || item.text === '') continue;
    lines.push(item.text);
    if (lines.length === count) break;
  }
  return lines;
}

/**
 * HTTP ingest (NDJSON batches of 1,000 over keep-alive, one request at a time, each answered after its
 * events are processed and committed to SQLite) beside `keywatch replay` over the same events.
 */
export async function httpIngestBench(
  source: string,
  events: number,
  outDir: string,
): Promise<{ http: Throughput; replay: Throughput; ratio: number }> {
  const lines = await firstLines(source, events);
  const subset = join(outDir, `ingest-subset-${lines.length}.ndjson`);
  writeFileSync(subset, `${lines.join('\n')}\n`);
  const replay = await replayFile(subset);

  const directory = mkdtempSync(join(tmpdir(), 'keywatch-ingest-bench-'));
  const store = await openSqliteStore(join(directory, 'keywatch.db'));
  await store.migrate();
  const api = await startApi(store);
  try {
    const bodies: string[] = [];
    for (let start = 0; start < lines.length; start += 1000)
      bodies.push(`${lines.slice(start, start + 1000).join('\n')}\n`);
    const started = performance.now();
    for (const body of bodies) {
      const response = await fetch(`${api.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      if (!response.ok)
        throw new Error(`POST /v1/events answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
    const seconds = (performance.now() - started) / 1000;
    const http = { events: lines.length, seconds, eventsPerSecond: Math.round(lines.length / seconds) };
    return { http, replay, ratio: http.eventsPerSecond / replay.eventsPerSecond };
  } finally {
    await api.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

/** Filter combinations of `GET /v1/alerts` measured over the stored alerts. */
const CASES: Array<{
  name: string;
  query: (random: () => number) => Record<string, string>;
  pages?: number;
}> = [
  { name: 'newest 50, no filter', query: () => ({}) },
  { name: 'one key', query: (random) => ({ keyId: `key-${Math.floor(random() * 20_000)}` }) },
  { name: 'severity ≥ high', query: () => ({ severity: 'high' }) },
  { name: 'detector odd-hours, status open', query: () => ({ detector: 'odd-hours', status: 'open' }) },
  { name: 'status false_positive (rare)', query: () => ({ status: 'false_positive' }) },
  {
    name: 'one week, severity ≥ medium',
    query: (random) => {
      const since = START_MS + Math.floor(random() * (SPAN_MS - 7 * 86_400_000));
      return {
        since: new Date(since).toISOString(),
        until: new Date(since + 7 * 86_400_000).toISOString(),
        severity: 'medium',
      };
    },
  },
  { name: 'pages 2–5 of severity ≥ medium', query: () => ({ severity: 'medium' }), pages: 5 },
];

/**
 * `GET /v1/alerts` latency over real HTTP with `count` alerts stored in SQLite (the database is built
 * once and kept in bench/out, since writing 1M alerts takes about a minute).
 */
export async function alertListingBench(
  count: number,
  outDir: string,
  requestsPerCase = 200,
): Promise<{ alerts: number; cases: Array<{ name: string; p50: number; p99: number }>; p99: number }> {
  const path = join(outDir, `alerts-${count}.db`);
  const fresh = !existsSync(path);
  const store = await openSqliteStore(path);
  await store.migrate();
  if (fresh || (await store.countAlerts()) !== count) {
    process.stderr.write(`  writing ${count} alerts to ${path} (once)…\n`);
    await loadAlerts(store, count, 20_000, 1000);
  }
  const api = await startApi(store);
  const random = prng(9);
  const all: number[] = [];
  const cases: Array<{ name: string; p50: number; p99: number }> = [];
  try {
    const get = async (query: Record<string, string>) => {
      const started = performance.now();
      const response = await fetch(`${api.url}/v1/alerts?${new URLSearchParams({ limit: '50', ...query })}`, {
        headers: { authorization: `Bearer ${api.token}` },
      });
      const page = (await response.json()) as { nextCursor: string | null };
      if (!response.ok) throw new Error(`GET /v1/alerts answered ${response.status}`);
      return { elapsed: performance.now() - started, nextCursor: page.nextCursor };
    };
    for (const benchCase of CASES) {
      await get(benchCase.query(random));
      const latencies: number[] = [];
      while (latencies.length < requestsPerCase) {
        const query = benchCase.query(random);
        let cursor: string | null = null;
        for (let page = 0; page < (benchCase.pages ?? 1) && latencies.length < requestsPerCase; page++) {
          const result = await get(cursor === null ? query : { ...query, cursor });
          if (benchCase.pages === undefined || page > 0) latencies.push(result.elapsed);
          cursor = result.nextCursor;
          if (cursor === null) break;
        }
      }
      latencies.sort((a, b) => a - b);
      all.push(...latencies);
      cases.push({ name: benchCase.name, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) });
    }
  } finally {
    await api.close();
    await store.close();
  }
  all.sort((a, b) => a - b);
  return { alerts: count, cases, p99: percentile(all, 0.99) };
}
