import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { replayEvents } from '../../src/engine/replay.js';
import type { Alert, AlertChange } from '../../src/engine/types.js';
import { createMetrics } from '../../src/metrics.js';
import { generateScenario } from '../../src/scenarios/generate.js';
import { Runtime } from '../../src/service/runtime.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { dropSchemas, postgresUrlForTests, uniqueSchemaName } from '../helpers/postgres.js';

// Two instances on one PostgreSQL, as with several `keywatch serve` in one consumer group: instance
// A stalls past its session timeout, the group gives its partition to B, and A wakes up still
// processing. Without fencing A would overwrite B's checkpoints with its own; with it, A's writes of
// that partition are left out, A drops the partition's keys, and the stored result is exactly that of
// one uninterrupted replay.

const GROUP = 'keywatch';
const TOPIC = 'access-logs';
const BATCH = 1500;

let url: string;
let schema: string;
const stores: PostgresStore[] = [];
let lines: string[] = [];
let expected: Alert[] = [];

beforeAll(async () => {
  url = await postgresUrlForTests();
  schema = uniqueSchemaName('fencing');
  const scenario = generateScenario({ seed: 21, keys: 20, days: 21 });
  lines = scenario.events.map((event) => JSON.stringify(event));
  expected = (await replayEvents(scenario.events)).alerts;
}, 120_000);

afterAll(async () => {
  for (const store of stores) await store.close();
  await dropSchemas(url, [schema]);
});

async function instance(name: string): Promise<Runtime> {
  const store = await openPostgresStore(url, { schema, poolSize: 2 });
  stores.push(store);
  await store.migrate();
  return Runtime.create({
    config: loadConfig(),
    store,
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
    instanceId: name,
    loadPartitionedKeysOnAssignment: true,
  });
}

/** Processes lines [from, to) as Kafka messages of partition 0 (offset = line index), in batches. */
async function consume(runtime: Runtime, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += BATCH) {
    const end = Math.min(to, start + BATCH);
    await runtime.process(
      lines.slice(start, end),
      [{ group: GROUP, topic: TOPIC, partition: 0, offset: String(end) }],
      () => 0,
    );
  }
}

function summary(alerts: readonly Alert[]) {
  return alerts.map((alert) => `${alert.id} ${alert.severity} ${alert.count} ${alert.status}`).sort();
}

describe('fencing a stalled instance off a partition it lost', () => {
  it('leaves the new owner’s state alone and stores the alerts of one uninterrupted replay', async () => {
    expect(expected.filter((alert) => alert.severity !== 'low').length).toBeGreaterThan(2);
    const half = Math.floor(lines.length / 2);
    const a = await instance('a');
    await a.claimPartitions(GROUP, TOPIC, [0]);
    await a.assignPartitions([0]);
    await consume(a, 0, half);
    await a.checkpoint();
    const store = stores[0]!;
    const offsetsAtTakeover = await store.getOffsets(GROUP, TOPIC);
    expect(offsetsAtTakeover).toEqual([{ group: GROUP, topic: TOPIC, partition: 0, offset: String(half) }]);

    // The group moves partition 0 to B, which claims it and loads A's checkpoint.
    const b = await instance('b');
    await b.claimPartitions(GROUP, TOPIC, [0]);
    expect(await b.assignPartitions([0])).toBeGreaterThan(0);
    const statesAtTakeover = (await store.loadKeyStates({ partitions: [0] })).map((state) =>
      JSON.stringify(state),
    );

    // A wakes up and goes on with what it had fetched: nothing of partition 0 reaches the store.
    const toldByA: AlertChange[] = [];
    a.onAlertChange((change) => toldByA.push(change));
    await consume(a, half, lines.length);
    await a.checkpoint();
    expect(a.takeLostPartitions()).toEqual([0]);
    expect(a.takeLostPartitions()).toEqual([]);
    expect(a.pipeline.engine.keyCount).toBe(0);
    expect(await store.getOffsets(GROUP, TOPIC)).toEqual(offsetsAtTakeover);
    expect((await store.loadKeyStates({ partitions: [0] })).map((state) => JSON.stringify(state))).toEqual(
      statesAtTakeover,
    );

    // B processes the second half from the stored offset.
    await consume(b, half, lines.length);
    await b.checkpoint();
    expect(b.takeLostPartitions()).toEqual([]);
    expect(await store.getOffsets(GROUP, TOPIC)).toEqual([
      { group: GROUP, topic: TOPIC, partition: 0, offset: String(lines.length) },
    ]);
    const stored: Alert[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listAlerts({ limit: 500, ...(cursor ? { cursor } : {}) });
      stored.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(summary(stored)).toEqual(summary(expected));
    // A told its listeners (the live stream, webhooks) nothing that was not stored.
    for (const change of toldByA) expect(stored.map((alert) => alert.id)).toContain(change.alert.id);
    await a.close();
    await b.close();
  }, 120_000);
});
