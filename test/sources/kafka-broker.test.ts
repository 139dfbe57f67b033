// Proves that kafkajs 2.2.4, the client Keywatch's Kafka source uses, works against the development
// broker (Apache Kafka 4.1, KRaft) that scripts/kafka/up.mjs starts: topic creation, keyed produce,
// consumer-group consumption and committed offsets read back through the admin API.

import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, type LogEntry, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ensureKafka, type KafkaForTests } from '../helpers/kafka.js';

const partitionCount = 6;
const messageCount = 1_000;
const keyCount = 50;

// Vitest sets NODE_ENV=test, which makes kafkajs shrink its retry budget to about one second; a
// fresh broker needs longer to create the consumer-offsets topic for the first group.
const retry = { initialRetryTime: 100, maxRetryTime: 2_000, retries: 10, multiplier: 2, factor: 0.2 };
const levelNames: Record<number, string> = {
  [logLevel.ERROR]: 'ERROR',
  [logLevel.WARN]: 'WARN',
  [logLevel.INFO]: 'INFO',
  [logLevel.DEBUG]: 'DEBUG',
};

describe('kafkajs 2.2.4 against the development Kafka broker', () => {
  const kafkaLog: string[] = [];
  let broker: KafkaForTests;
  let kafka: Kafka;
  let admin: Admin;
  const topic = `kw-broker-test-${randomUUID()}`;
  const groupId = `kw-broker-test-group-${randomUUID()}`;

  beforeAll(async () => {
    broker = await ensureKafka();
    kafka = new Kafka({
      clientId: 'keywatch-broker-test',
      brokers: broker.brokers,
      retry,
      // kafkajs logs to stdout by default; keep warnings and errors and show them only when a test fails.
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, level, log }: LogEntry) => {
          kafkaLog.push(`${levelNames[level]} ${namespace}: ${log.message}`);
        },
    });
    admin = kafka.admin({ retry });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin?.disconnect();
    await broker?.stop();
  });

  it('delivers 1,000 keyed messages over 6 partitions to a consumer group and shows its committed offsets', async () => {
    onTestFailed(() => {
      console.error(`kafkajs log:\n${kafkaLog.join('\n')}`);
    });

    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitionCount, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(partitionCount);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry });
    await producer.connect();
    const sent = Array.from({ length: messageCount }, (_, index) => ({
      key: `key-${index % keyCount}`,
      value: `message-${index}`,
    }));
    for (let start = 0; start < messageCount; start += 100) {
      await producer.send({ topic, acks: -1, messages: sent.slice(start, start + 100) });
    }
    await producer.disconnect();

    const endOffsets = await admin.fetchTopicOffsets(topic);
    const stored = endOffsets.reduce((sum, partition) => sum + Number(partition.high), 0);
    expect(stored).toBe(messageCount);
    // 50 keys hashed over 6 partitions: every partition gets some.
    expect(endOffsets.every((partition) => Number(partition.high) > 0)).toBe(true);

    const received = new Map<string, { key: string; partition: number }>();
    const partitionOfKey = new Map<string, Set<number>>();
    let resolveAllReceived: () => void = () => {};
    const allReceived = new Promise<void>((resolve) => {
      resolveAllReceived = resolve;
    });
    // A short fetch wait lets disconnect() return quickly instead of waiting out a 5 s long poll.
    const consumer = kafka.consumer({
      groupId,
      retry,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString() ?? '';
        received.set(message.value?.toString() ?? '', { key, partition });
        const partitions = partitionOfKey.get(key) ?? new Set<number>();
        partitions.add(partition);
        partitionOfKey.set(key, partitions);
        if (received.size === messageCount) resolveAllReceived();
      },
    });

    try {
      await Promise.race([allReceived, rejectAfter(30_000, () => `received ${received.size} messages`)]);
      const expectedOffsets = endOffsets
        .map((partition) => ({ partition: partition.partition, offset: partition.high }))
        .sort((a, b) => a.partition - b.partition);
      // kafkajs commits after each processed batch; wait until the last commit is visible to the admin API.
      const committed = await pollUntil(
        async () => {
          const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
          return (offsets?.partitions ?? [])
            .map(({ partition, offset }) => ({ partition, offset }))
            .sort((a, b) => a.partition - b.partition);
        },
        (offsets) => JSON.stringify(offsets) === JSON.stringify(expectedOffsets),
        15_000,
      );
      expect(committed).toEqual(expectedOffsets);
    } finally {
      await consumer.disconnect();
    }

    expect(received.size).toBe(messageCount);
    for (const { key, value } of sent) expect(received.get(value)?.key).toBe(key);
    // Keyed messages keep their order per key only because one key always lands on one partition.
    for (const partitions of partitionOfKey.values()) expect(partitions.size).toBe(1);
    const describedGroup = await admin.describeGroups([groupId]);
    expect(describedGroup.groups[0]?.protocolType).toBe('consumer');
  });
});

function rejectAfter(ms: number, describe: () => string): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${describe()}`)), ms).unref();
  });
}

async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
