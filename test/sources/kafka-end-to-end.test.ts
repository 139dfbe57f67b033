// A real `keywatch serve` consuming from the real broker (test/global-setup-kafka.ts): the alerts it
// serves equal those of a replay of the same events, and poison messages land in the dead-letter
// topic while the good events around them are processed.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { replayEvents } from '../../src/engine/replay.js';
import type { Alert } from '../../src/engine/types.js';
import { generateScenario } from '../../src/scenarios/generate.js';
import { ensureKafka, type KafkaForTests } from '../helpers/kafka.js';
import type { RunningService } from '../helpers/service.js';
import {
  caughtUp,
  committedTotal,
  createTopic,
  endOffsetTotal,
  eventMessage,
  headerText,
  keyEventCounts,
  metricSamples,
  produceInOrder,
  servedAlerts,
  servedKeyEvents,
  startKafkaService,
  type TestEvent,
  testKafka,
  uniqueTopic,
  waitUntil,
  writeServiceConfig,
} from './kafka-test-kit.js';

const PARTITIONS = 6;

let broker: KafkaForTests;
let kafka: Kafka;
let admin: Admin;
const kafkaLog: string[] = [];
const topics: string[] = [];
const running: RunningService[] = [];
let events: TestEvent[] = [];
let expected: Alert[] = [];

beforeAll(async () => {
  broker = await ensureKafka();
  kafka = testKafka(broker.brokers, kafkaLog);
  admin = kafka.admin();
  await admin.connect();
  events = generateScenario({ seed: 21, keys: 20, days: 21 }).events as unknown as TestEvent[];
  expected = (await replayEvents(events)).alerts;
}, 120_000);

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
});

afterAll(async () => {
  await admin?.deleteTopics({ topics }).catch(() => {});
  await admin?.disconnect();
  await broker?.stop();
});

function serviceLogOnFailure(service: () => RunningService | undefined): void {
  onTestFailed(() => {
    const logs = service()?.logs.filter((line) => !line.includes('"component":"api"')) ?? [];
    console.error(
      `keywatch log:\n${logs.slice(-80).join('\n')}\nkafkajs log:\n${kafkaLog.slice(-40).join('\n')}`,
    );
  });
}

async function start(topic: string, groupId: string, settings: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kw-kafka-e2e-'));
  const configPath = writeServiceConfig(dir, { topics: [topic], offsetCommitIntervalMs: 200, ...settings });
  const service = await startKafkaService({
    brokers: broker.brokers,
    configPath,
    databaseUrl: `sqlite:${join(dir, 'keywatch.db')}`,
    groupId,
  });
  running.push(service);
  return service;
}

describe('keywatch serve consuming from Kafka', () => {
  it('serves exactly the alerts of a replay of a scenario produced to 6 partitions keyed by keyId', async () => {
    let service: RunningService | undefined;
    serviceLogOnFailure(() => service);
    expect(events.length).toBeGreaterThan(100_000);
    expect(expected.filter((alert) => alert.severity !== 'low').length).toBeGreaterThan(3);

    const topic = uniqueTopic('e2e');
    topics.push(topic, `${topic}.dlq`);
    await createTopic(admin, topic, PARTITIONS);
    await produceInOrder(kafka, topic, PARTITIONS, events.map(eventMessage));
    expect(await endOffsetTotal(admin, topic)).toBe(events.length);

    const groupId = `${topic}-group`;
    service = await start(topic, groupId);
    await waitUntil(
      () => caughtUp(service!, topic, PARTITIONS),
      90_000,
      async () => {
        const lags = await metricSamples(service!, 'keywatch_consumer_lag_messages');
        return `lags ${JSON.stringify([...lags])}`;
      },
    );

    expect(await servedAlerts(service)).toEqual(expected);
    expect(await servedKeyEvents(service)).toEqual(keyEventCounts(events));
    // Kafka's committed offsets follow the store's: once checkpointed, they reach the end of the log.
    await waitUntil(
      async () => (await committedTotal(admin, groupId, topic)) === events.length,
      20_000,
      async () => `committed ${await committedTotal(admin, groupId, topic)} of ${events.length}`,
    );
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 150_000);

  it('dead-letters bad JSON, events missing fields and a 2 MiB message with their reasons, and processes the good events around them', async () => {
    let service: RunningService | undefined;
    serviceLogOnFailure(() => service);
    const topic = uniqueTopic('poison');
    const deadLetterTopic = `${topic}.dlq`;
    topics.push(topic, deadLetterTopic);
    // Room for the 2 MiB message in the source topic; the dead-letter copy is cut to fit 1 MiB.
    await createTopic(admin, topic, 1, { 'max.message.bytes': String(4 * 1024 * 1024) });
    await createTopic(admin, deadLetterTopic, 1);

    const good = events.slice(0, 6000);
    const huge = `{"ts":"${good[0]!.ts}","keyId":"key-huge","ip":"81.2.69.160","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    const poison = [
      { key: 'bad-json', value: '{"ts": "2026-10-05T00:00:00Z", "keyId": ', reason: 'bad_json' },
      {
        key: 'no-key-id',
        value: JSON.stringify({ ts: good[0]!.ts, ip: '81.2.69.160' }),
        reason: 'missing_key_id',
      },
      {
        key: 'no-ip',
        value: JSON.stringify({ ts: good[0]!.ts, keyId: 'key-without-ip' }),
        reason: 'missing_ip',
      },
      { key: 'huge', value: huge, reason: 'oversized_line' },
    ];
    const messages: Array<{
      key: string;
      value: string;
      timestamp?: string;
      headers?: Record<string, string>;
    }> = [];
    const poisonAt = [1000, 2500, 4000, 5500];
    for (let index = 0; index < good.length; index++) {
      const slot = poisonAt.indexOf(index);
      if (slot >= 0) {
        const { key, value } = poison[slot]!;
        messages.push({
          key,
          value,
          timestamp: String(Date.parse(good[index]!.ts)),
          headers: { origin: 'test' },
        });
      }
      messages.push(eventMessage(good[index]!) as { key: string; value: string; timestamp: string });
    }
    await produceInOrder(kafka, topic, 1, messages);
    const offsetOf = (key: string) => String(messages.findIndex((message) => message.key === key));

    // What a replay of the same messages (poison included) produces.
    const wanted = (await replayEvents(messages.map((message) => message.value))).alerts;

    service = await start(topic, `${topic}-group`);
    const letters: KafkaMessage[] = [];
    const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [deadLetterTopic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push(message);
      },
    });
    try {
      await waitUntil(
        async () => letters.length >= poison.length && (await caughtUp(service!, topic, 1)),
        60_000,
        () => `${letters.length} dead letters`,
      );
    } finally {
      await consumer.disconnect();
    }

    expect(letters).toHaveLength(poison.length);
    for (const { key, value, reason } of poison) {
      const letter = letters.find((candidate) => candidate.key?.toString() === key);
      expect(letter, key).toBeDefined();
      expect(headerText(letter!.headers, 'keywatch-reason')).toBe(reason);
      expect(headerText(letter!.headers, 'keywatch-message')).toMatch(/\w/);
      expect(headerText(letter!.headers, 'keywatch-original-topic')).toBe(topic);
      expect(headerText(letter!.headers, 'keywatch-original-partition')).toBe('0');
      expect(headerText(letter!.headers, 'keywatch-original-offset')).toBe(offsetOf(key));
      expect(headerText(letter!.headers, 'origin')).toBe('test');
      if (key === 'huge') {
        expect(headerText(letter!.headers, 'keywatch-original-bytes')).toBe(String(Buffer.byteLength(huge)));
        expect(letter!.value!.length).toBeLessThan(1024 * 1024);
        expect(value.startsWith(letter!.value!.toString())).toBe(true);
      } else {
        expect(letter!.value?.toString()).toBe(value);
      }
    }
    const deadLetters = await metricSamples(service, 'keywatch_kafka_dead_letters_total');
    expect([...deadLetters.values()].reduce((sum, value) => sum + value, 0)).toBe(poison.length);
    expect(await servedKeyEvents(service)).toEqual(keyEventCounts(good));
    expect(await servedAlerts(service)).toEqual(wanted);
  }, 120_000);
});
