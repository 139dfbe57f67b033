// Shared by the Kafka integration tests: topics, keyed production in event-time order, a real
// `keywatch serve` pointed at the broker, and ways to watch its progress. Talks to the broker with
// kafkajs directly, independently of the code under test.

import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Admin,
  type IHeaders,
  Kafka,
  type LogEntry,
  logLevel,
  type Message,
  Partitioners,
} from 'kafkajs';
import { stringify } from 'yaml';
import type { Alert } from '../../src/engine/types.js';
import { fetchAllAlerts, type RunningService, startService } from '../helpers/service.js';

export const TOKEN = 'kafka-test-token-0123456789abcdef';

// Vitest sets NODE_ENV=test, which shrinks kafkajs' retry budget: set it explicitly.
const retry = { initialRetryTime: 100, maxRetryTime: 2_000, retries: 10 };

/** A kafkajs client for the tests themselves (not for the code under test). */
export function testKafka(brokers: string[], log: string[] = []): Kafka {
  return new Kafka({
    clientId: 'keywatch-kafka-tests',
    brokers,
    retry,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, log: entry }: LogEntry) => {
        log.push(`${namespace}: ${entry.message}`);
      },
  });
}

/** A topic name no other test uses. */
export function uniqueTopic(label: string): string {
  return `kw-test-${label}-${randomUUID().slice(0, 8)}`;
}

/** Creates a topic; kept forever (`retention.ms=-1`, the events are weeks old) unless `configs` says otherwise. */
export async function createTopic(
  admin: Admin,
  topic: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const configEntries = Object.entries({ 'retention.ms': '-1', ...configs }).map(([name, value]) => ({
    name,
    value,
  }));
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, configEntries }],
    waitForLeaders: true,
  });
}

/** An event as the scenario generator makes it (only what the tests read). */
export interface TestEvent {
  ts: string;
  keyId: string;
  [field: string]: unknown;
}

/** A message keyed by the event's keyId, its record timestamp the event time. */
export function eventMessage(event: TestEvent): Message {
  return { key: event.keyId, value: JSON.stringify(event), timestamp: String(Date.parse(event.ts)) };
}

/**
 * Produces messages in order per partition, partitioned as the default (murmur2) partitioner does by
 * key: each partition's messages go in sequence, the partitions in parallel, in sends that stay under
 * the broker's 1 MiB batch limit.
 */
export async function produceInOrder(
  kafka: Kafka,
  topic: string,
  partitions: number,
  messages: readonly Message[],
): Promise<void> {
  const partitioner = Partitioners.DefaultPartitioner();
  const metadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  const lanes: Message[][] = Array.from({ length: partitions }, () => []);
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata: metadata, message });
    lanes[partition]!.push({ ...message, partition });
  }
  const producer = kafka.producer({
    retry,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    await Promise.all(
      lanes.map(async (lane) => {
        let start = 0;
        while (start < lane.length) {
          let end = start;
          let bytes = 0;
          while (end < lane.length && (end === start || bytes < 600_000)) {
            bytes += String(lane[end]!.value).length + 64;
            end++;
          }
          await producer.send({ topic, acks: -1, messages: lane.slice(start, end) });
          start = end;
        }
      }),
    );
  } finally {
    await producer.disconnect();
  }
}

/** Total of the end offsets of a topic's partitions. */
export async function endOffsetTotal(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
}

/** Total of the group's committed offsets (Keywatch mirrors its store's offsets there). */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (entry?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
}

/** Polls until `done` holds, or fails with `describe()` after `timeoutMs`. */
export async function waitUntil(
  done: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string | Promise<string>,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The settings of a `keywatch serve` consuming `topic` (a YAML file, as an operator would write). */
export function writeServiceConfig(
  dir: string,
  kafka: Record<string, unknown>,
  other: Record<string, unknown> = {},
): string {
  const path = join(dir, `keywatch-${randomUUID().slice(0, 8)}.yaml`);
  writeFileSync(path, stringify({ ...other, kafka }));
  return path;
}

/** Starts `keywatch serve` with Kafka brokers from the environment, as in a deployment. */
export function startKafkaService(options: {
  brokers: string[];
  configPath: string;
  databaseUrl: string;
  groupId: string;
}): Promise<RunningService> {
  return startService({
    KEYWATCH_API_TOKEN: TOKEN,
    KEYWATCH_DATABASE_URL: options.databaseUrl,
    KEYWATCH_CONFIG: options.configPath,
    KEYWATCH_KAFKA_BROKERS: options.brokers.join(','),
    KEYWATCH_KAFKA_GROUP_ID: options.groupId,
  });
}

/** The value of each sample of a metric in the service's Prometheus output, by label text. */
export async function metricSamples(service: RunningService, name: string): Promise<Map<string, number>> {
  const response = await service.request('/metrics');
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    samples.set(match[2] ?? '', Number(match[3]));
  }
  return samples;
}

/** Whether the service has processed every partition of `topic` up to its end (lag 0 everywhere). */
export async function caughtUp(service: RunningService, topic: string, partitions: number): Promise<boolean> {
  const lags = await metricSamples(service, 'keywatch_consumer_lag_messages');
  let seen = 0;
  for (const [labels, value] of lags) {
    if (!labels.includes(`topic="${topic}"`)) continue;
    seen++;
    if (value !== 0) return false;
  }
  return seen === partitions;
}

/** Every alert the service holds, in replay order. */
export async function servedAlerts(service: RunningService): Promise<Alert[]> {
  const alerts = await fetchAllAlerts(service);
  return alerts.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Events per key as the service counts them (GET /v1/keys). */
export async function servedKeyEvents(service: RunningService): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
    const response = await service.request(`/v1/keys?${query}`);
    if (!response.ok) throw new Error(`GET /v1/keys answered ${response.status}`);
    const page = (await response.json()) as {
      items: Array<{ keyId: string; events: number }>;
      nextCursor: string | null;
    };
    for (const item of page.items) counts.set(item.keyId, item.events);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return counts;
}

/** Events per key in the input. */
export function keyEventCounts(events: readonly TestEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.keyId, (counts.get(event.keyId) ?? 0) + 1);
  return counts;
}

/** How two alert lists differ: by id, and in the fields of alerts both have. */
export interface AlertDifference {
  expected: number;
  actual: number;
  missing: string[];
  extra: string[];
  changed: Array<{ id: string; fields: string[] }>;
}

export function compareAlerts(actual: readonly Alert[], expected: readonly Alert[]): AlertDifference {
  const byId = new Map(expected.map((alert) => [alert.id, alert]));
  const seen = new Set<string>();
  const extra: string[] = [];
  const changed: AlertDifference['changed'] = [];
  for (const alert of actual) {
    seen.add(alert.id);
    const wanted = byId.get(alert.id);
    if (wanted === undefined) {
      extra.push(alert.id);
      continue;
    }
    const fields = [...new Set([...Object.keys(wanted), ...Object.keys(alert)])].filter(
      (field) =>
        JSON.stringify((wanted as unknown as Record<string, unknown>)[field]) !==
        JSON.stringify((alert as unknown as Record<string, unknown>)[field]),
    );
    if (fields.length > 0) changed.push({ id: alert.id, fields });
  }
  const missing = expected.filter((alert) => !seen.has(alert.id)).map((alert) => alert.id);
  return { expected: expected.length, actual: actual.length, missing, extra, changed };
}

/** A header value as text. */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
