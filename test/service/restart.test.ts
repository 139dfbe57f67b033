import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { replayEvents, sortAlerts } from '../../src/engine/replay.js';
import type { Alert } from '../../src/engine/types.js';
import { generateScenario } from '../../src/scenarios/generate.js';
import { fetchAllAlerts, type RunningService, startService } from '../helpers/service.js';

const TOKEN = 'restart-test-token-0123456789abcdef';
const BATCH = 2000;

let batches: string[] = [];
let expected: Alert[] = [];
const running: RunningService[] = [];

beforeAll(async () => {
  const scenario = generateScenario({ seed: 21, keys: 20, days: 21 });
  const lines = scenario.events.map((event) => JSON.stringify(event));
  batches = [];
  for (let start = 0; start < lines.length; start += BATCH) {
    batches.push(`${lines.slice(start, start + BATCH).join('\n')}\n`);
  }
  expected = (await replayEvents(scenario.events)).alerts;
}, 120_000);

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
});

/** No timed checkpoint during the test: what a SIGKILL leaves behind is recovered from the event log. */
function configFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kw-restart-config-')), 'keywatch.yaml');
  writeFileSync(path, 'store:\n  checkpointIntervalMs: 600000\n  checkpointMaxBatches: 1000\n');
  return path;
}

async function start(databaseUrl: string): Promise<RunningService> {
  const service = await startService({
    KEYWATCH_DATABASE_URL: databaseUrl,
    KEYWATCH_API_TOKEN: TOKEN,
    KEYWATCH_CONFIG: configFile(),
  });
  running.push(service);
  return service;
}

function post(service: RunningService, index: number): Promise<Response> {
  return service.request('/v1/events', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': `batch-${index}` },
    body: batches[index]!,
  });
}

async function postRange(service: RunningService, from: number, to: number): Promise<void> {
  for (let index = from; index < to; index++) {
    const response = await post(service, index);
    expect(response.status).toBe(200);
    const result = (await response.json()) as { rejected: unknown[] };
    expect(result.rejected).toEqual([]);
  }
}

describe('keywatch serve across restarts', () => {
  it('produces a scenario with alerts of every kind to compare (sanity of the fixture)', () => {
    expect(batches.length).toBeGreaterThan(40);
    expect(expected.filter((alert) => alert.severity !== 'low').length).toBeGreaterThan(3);
  });

  it('after SIGTERM and a restart holds exactly the alerts of one uninterrupted replay', async () => {
    const databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'kw-restart-')), 'keywatch.db')}`;
    const half = Math.floor(batches.length / 2);
    const first = await start(databaseUrl);
    await postRange(first, 0, half);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.logs.some((line) => line.includes('stopped cleanly'))).toBe(true);

    const second = await start(databaseUrl);
    expect(second.logs.some((line) => line.includes('replayed the event log'))).toBe(false);
    await postRange(second, half, batches.length);
    expect(sortAlerts(await fetchAllAlerts(second))).toEqual(expected);
  });

  it('after SIGKILL in the middle of a request loses no alert and duplicates none', async () => {
    const databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'kw-restart-')), 'keywatch.db')}`;
    const half = Math.floor(batches.length / 2);
    const first = await start(databaseUrl);
    await postRange(first, 0, half);
    // Kill while the next batch is being processed: it may or may not have been committed.
    const inFlight = post(first, half).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await first.stop('SIGKILL')).toBeNull();
    await inFlight;

    // The client re-sends every batch it has no answer for, with the same idempotency keys.
    const second = await start(databaseUrl);
    expect(second.logs.some((line) => line.includes('replayed the event log'))).toBe(true);
    await postRange(second, half, batches.length);
    const alerts = sortAlerts(await fetchAllAlerts(second));
    expect(new Set(alerts.map((alert) => alert.id)).size).toBe(alerts.length);
    expect(alerts.map((alert) => alert.id)).toEqual(expected.map((alert) => alert.id));
    expect(alerts).toEqual(expected);
  });
});
