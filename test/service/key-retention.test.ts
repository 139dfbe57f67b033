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
