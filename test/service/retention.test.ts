import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createMetrics } from '../../src/metrics.js';
import { Runtime } from '../../src/service/runtime.js';
import type { Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-11-01T09:00:00Z');
let opened: { store: Store; dispose(): Promise<void> } | undefined;

afterEach(async () => {
  await opened?.dispose();
  opened = undefined;
});

function access(keyId: string, dayOffset: number) {
  return { ts: new Date(T0 + dayOffset * DAY_MS).toISOString(), keyId, ip: '81.2.69.160' };
}

describe('key retention in keywatch serve', () => {
  it('deletes the stored state of a key unused past engine.keyRetentionDays; a key used again starts afresh', async () => {
    opened = await openTestStore('retention', 'sqlite');
    const { store } = opened;
    const runtime = await Runtime.create({
      config: loadConfig({ overrides: { engine: { keyRetentionDays: 1 } } }),
      store,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    });
    await runtime.ingest([access('old-key', 0), access('new-key', 0)]);
    await runtime.checkpoint();
    expect(await store.getKeyState('old-key')).toBeDefined();

    // Three days later old-key is past its retention: forgotten for the API at once, although the
    // sweep frees its state only a week after that.
    await runtime.ingest([access('new-key', 3)]);
    await runtime.checkpoint();
    expect(await store.getKeyState('old-key')).toBeDefined();
    expect(await runtime.getKey('old-key')).toBeUndefined();
    expect((await runtime.listKeys({ limit: 10 })).items.map((key) => key.keyId)).toEqual(['new-key']);
    // new-key too was unused for longer than a day: it started afresh.
    expect(await runtime.getKey('new-key')).toMatchObject({
      events: 1,
      firstSeen: new Date(T0 + 3 * DAY_MS).toISOString(),
    });

    // Nine days later only new-key is used (and starts afresh): old-key is a week past its retention.
    await runtime.ingest([access('new-key', 9)]);
    await runtime.checkpoint();
    expect(await store.getKeyState('old-key')).toBeUndefined();
    expect(await runtime.getKey('old-key')).toBeUndefined();
    expect((await store.getKeyState('new-key'))?.state).toMatchObject({
      events: 1,
      firstSeen: T0 + 9 * DAY_MS,
    });
    expect((await runtime.listKeys({ limit: 10 })).items.map((key) => key.keyId)).toEqual(['new-key']);
    await runtime.close();
  });
});

async function runtimeKeeping(alertRetentionDays: number) {
  opened = await openTestStore('alert-retention', 'sqlite');
  const metrics = createMetrics();
  const runtime = await Runtime.create({
    config: loadConfig({ overrides: { store: { alertRetentionDays } } }),
    store: opened.store,
    metrics,
    logger: pino({ level: 'silent' }),
  });
  // Any use of a revoked key is an alert.
  await runtime.revokeKey('leaked-key');
  await runtime.ingest([access('leaked-key', 0)]);
  await runtime.checkpoint();
  return { runtime, store: opened.store, metrics };
}

describe('alert retention in keywatch serve', () => {
  it('deletes alerts last seen longer ago than store.alertRetentionDays of event time', async () => {
    const { runtime, store, metrics } = await runtimeKeeping(2);
    expect(await store.countAlerts()).toBe(1);
    // A day later (other keys' events move event time on): still kept.
    await runtime.ingest([access('busy-key', 1)]);
    await runtime.checkpoint();
    expect(await store.countAlerts()).toBe(1);
    // Three days after its last finding: deleted, and counted.
    await runtime.ingest([access('busy-key', 3)]);
    await runtime.checkpoint();
    expect(await store.countAlerts()).toBe(0);
    expect((await metrics.registry.getSingleMetricAsString('keywatch_alerts_pruned_total')).trim()).toMatch(
      / 1$/,
    );
    // The key itself goes on: a new use raises a new alert.
    await runtime.ingest([access('leaked-key', 3)]);
    await runtime.checkpoint();
    expect(await store.countAlerts()).toBe(1);
    await runtime.close();
  });

  it('keeps alerts for ever with 0', async () => {
    const { runtime, store } = await runtimeKeeping(0);
    await runtime.ingest([access('busy-key', 2000)]);
    await runtime.checkpoint();
    expect(await store.countAlerts()).toBe(1);
    await runtime.close();
  });
});
