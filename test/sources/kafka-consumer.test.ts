import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateSection } from '../../src/config/validate.js';
import { createMetrics, type KeywatchMetrics } from '../../src/metrics.js';
import { KafkaConfig } from '../../src/sources/kafka-config.js';
import { checkKafkaConfig, type KafkaSource, startKafkaSource } from '../../src/sources/kafka-consumer.js';
import { FakeKafka, FakeRuntime, message, settle } from './fake-kafka.js';

const TOPIC = 'logs';
const sources: KafkaSource[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const source of sources.splice(0)) await source.stop();
});

function settings(overrides: Record<string, unknown> = {}): KafkaConfig {
  return validateSection<KafkaConfig>(
    KafkaConfig,
    {
      brokers: ['fake:9092'],
      topics: [TOPIC],
      groupId: 'g',
      offsetCommitIntervalMs: 100,
      alignWaitMs: 50,
      ...overrides,
    },
    'kafka',
  );
}

async function started(
  options: { overrides?: Record<string, unknown>; runtime?: FakeRuntime; kafka?: FakeKafka } = {},
): Promise<{
  kafka: FakeKafka;
  runtime: FakeRuntime;
  metrics: KeywatchMetrics;
  fatal: unknown[];
  source: KafkaSource;
}> {
  const kafka = options.kafka ?? new FakeKafka();
  const runtime = options.runtime ?? new FakeRuntime();
  const metrics = createMetrics();
  const fatal: unknown[] = [];
  const source = await startKafkaSource({
    runtime,
    config: settings(options.overrides),
    logger: pino({ level: 'silent' }),
    metrics,
    kafka,
    onFatal: (error) => fatal.push(error),
  });
  sources.push(source);
  await settle();
  return { kafka, runtime, metrics, fatal, source };
}

async function joined(assignment: number[] = [0, 1], options: Parameters<typeof started>[0] = {}) {
  const context = await started(options);
  context.kafka.consumer0.join({ [TOPIC]: assignment });
  await settle();
  return context;
}

describe('the Kafka source', () => {
  it('refuses a heartbeat interval that is not below the session timeout, naming the setting', () => {
    expect(() =>
      checkKafkaConfig(settings({ heartbeatIntervalMs: 30_000, sessionTimeoutMs: 30_000 })),
    ).toThrow(/kafka\.heartbeatIntervalMs/);
    expect(() => checkKafkaConfig(settings({ sasl: { mechanism: 'plain', username: 'u' } }))).toThrow(
      /kafka\.sasl/,
    );
    expect(() => checkKafkaConfig(settings({ deadLetterTopic: '{topic}' }))).toThrow(
      /kafka\.deadLetterTopic/,
    );
  });

  it('processes a batch with the offset after its last message and moves the fetch position past it', async () => {
    const { kafka, runtime } = await joined([0]);
    const delivered = await kafka.consumer0.deliver(TOPIC, 0, [
      message(0, 'a'),
      message(1, 'b'),
      message(2, 'c'),
    ]);
    await settle();
    expect(runtime.processed).toEqual(['a', 'b', 'c']);
    expect(runtime.calls[0]!.offsets).toEqual([{ group: 'g', topic: TOPIC, partition: 0, offset: '3' }]);
    expect(runtime.calls[0]!.partition).toBe(0);
    expect(delivered.resolved).toEqual(['2']);
    expect(runtime.assigned).toContainEqual([0]);
  });

  it('hands the engine at most batchSize messages at once', async () => {
    const { kafka, runtime } = await joined([0], { overrides: { batchSize: 2 } });
    await kafka.consumer0.deliver(
      TOPIC,
      0,
      [0, 1, 2, 3, 4].map((offset) => message(offset, `m${offset}`)),
    );
    await settle();
    expect(runtime.calls.map((call) => call.values)).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
    expect(runtime.calls.map((call) => call.offsets[0]!.offset)).toEqual(['2', '4', '5']);
  });

  it('skips messages the store already covers (Kafka’s committed offset lagged behind it)', async () => {
    const runtime = new FakeRuntime();
    runtime.storedOffsets = [{ group: 'g', topic: TOPIC, partition: 0, offset: '3' }];
    const { kafka } = await joined([0], { runtime });
    // Entirely covered: nothing processed, but the fetch position moves past it (no refetch loop).
    const covered = await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a'), message(1, 'b')]);
    expect(covered.resolved).toEqual(['1']);
    await kafka.consumer0.deliver(TOPIC, 0, [message(2, 'c'), message(3, 'd'), message(4, 'e')]);
    await settle();
    expect(runtime.processed).toEqual(['d', 'e']);
  });

  it('seeks back to the store’s offset when Kafka’s position is ahead of it, and processes from there', async () => {
    const runtime = new FakeRuntime();
    runtime.storedOffsets = [{ group: 'g', topic: TOPIC, partition: 0, offset: '1' }];
    const { kafka } = await joined([0], { runtime });
    const first = await kafka.consumer0.deliver(TOPIC, 0, [message(5, 'f'), message(6, 'g')]);
    await settle();
    expect(first.sought).toEqual(['1']);
    expect(runtime.processed).toEqual([]);
    await kafka.consumer0.deliver(TOPIC, 0, [message(1, 'b'), message(2, 'c')]);
    await settle();
    expect(runtime.processed).toEqual(['b', 'c']);
  });

  it('dead-letters rejected messages with their reason and origin, but not duplicate deliveries', async () => {
    const { kafka, runtime, metrics } = await joined([1]);
    await kafka.consumer0.deliver(TOPIC, 1, [message(7, 'ok'), message(8, 'bad {'), message(9, 'dup')]);
    await settle();
    expect(runtime.processed).toEqual(['ok', 'bad {', 'dup']);
    expect(kafka.sent).toHaveLength(1);
    const [sent] = kafka.sent;
    expect(sent!.topic).toBe('logs.dlq');
    expect(sent!.messages).toHaveLength(1);
    expect(String(sent!.messages[0]!.value)).toBe('bad {');
    expect(sent!.messages[0]!.headers).toMatchObject({
      'keywatch-reason': 'bad_json',
      'keywatch-original-topic': TOPIC,
      'keywatch-original-partition': '1',
      'keywatch-original-offset': '8',
    });
    const counted = await metrics.registry.getSingleMetric('keywatch_kafka_dead_letters_total')!.get();
    expect(counted.values).toEqual([{ labels: { topic: TOPIC, reason: 'bad_json' }, value: 1 }]);
  });

  it('goes on when the dead-letter topic refuses the rejected messages, and counts them', async () => {
    const kafka = new FakeKafka();
    kafka.failSends = true;
    const { runtime, metrics, fatal } = await joined([0], { kafka });
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'bad')]);
    await kafka.consumer0.deliver(TOPIC, 0, [message(1, 'good')]);
    await settle();
    expect(runtime.processed).toEqual(['bad', 'good']);
    expect(fatal).toEqual([]);
    const failures = await metrics.registry
      .getSingleMetric('keywatch_kafka_dead_letter_failures_total')!
      .get();
    expect(failures.values[0]!.value).toBe(1);
  });

  it('processes a backlog across partitions in record-timestamp order, not one partition ahead of another', async () => {
    const { kafka, runtime } = await joined([0, 1], { overrides: { alignWindowMs: 0 } });
    // Alignment off: batches are processed as they arrive.
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'p0-t10', 10), message(1, 'p0-t30', 30)], '5');
    await kafka.consumer0.deliver(TOPIC, 1, [message(0, 'p1-t20', 20), message(1, 'p1-t40', 40)], '5');
    await settle();
    expect(runtime.processed).toEqual(['p0-t10', 'p0-t30', 'p1-t20', 'p1-t40']);

    const kafka2 = new FakeKafka();
    kafka2.highWatermarks.set(0, '5');
    kafka2.highWatermarks.set(1, '5');
    const aligned = await joined([0, 1], { kafka: kafka2, overrides: { alignWindowMs: 1 } });
    await aligned.kafka.consumer0.deliver(
      TOPIC,
      0,
      [message(0, 'p0-t10', 10), message(1, 'p0-t30', 30)],
      '5',
    );
    await settle();
    // Partition 1 is behind its end and has delivered nothing: partition 0 waits for it.
    expect(aligned.runtime.processed).toEqual([]);
    await aligned.kafka.consumer0.deliver(
      TOPIC,
      1,
      [message(0, 'p1-t20', 20), message(1, 'p1-t40', 40)],
      '5',
    );
    await settle();
    expect(aligned.runtime.processed).toEqual(['p0-t10', 'p1-t20', 'p0-t30']);
  });

  it('does not hold a partition back for one that has nothing to deliver', async () => {
    const kafka = new FakeKafka();
    kafka.highWatermarks.set(0, '2');
    const { runtime } = await joined([0, 1], { kafka, overrides: { alignWaitMs: 60_000 } });
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a', 10), message(1, 'b', 20)]);
    await settle();
    expect(runtime.processed).toEqual(['a', 'b']);
  });

  it('stops consuming for good when the runtime fails: onFatal once, nothing processed after, partitions paused', async () => {
    const runtime = new FakeRuntime();
    const { kafka, fatal } = await joined([0, 1], { runtime });
    runtime.failure = new Error('disk full');
    const delivered = await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a')]);
    await settle(50);
    runtime.failure = undefined;
    await kafka.consumer0.deliver(TOPIC, 0, [message(1, 'b')]);
    await kafka.consumer0.deliver(TOPIC, 1, [message(0, 'c')]);
    await settle(50);
    expect(runtime.processed).toEqual([]);
    expect(fatal).toHaveLength(1);
    expect((fatal[0] as Error).message).toBe('disk full');
    expect(kafka.consumer0.stopped).toBe(true);
    expect([...kafka.consumer0.paused].sort()).toEqual([`${TOPIC}/0`, `${TOPIC}/1`]);
    // The fetch position moved past the buffered message, but the store's offset did not: a restart
    // resumes from the store.
    expect(delivered.resolved).toEqual(['0']);
  });

  it('pauses every partition while the store is slow and resumes once a probe answers quickly', async () => {
    const runtime = new FakeRuntime();
    const { kafka } = await joined([0, 1], {
      runtime,
      overrides: { pause: { commitLatencyMs: 20, checkEveryMs: 30, resumeBelowMs: 50 } },
    });
    runtime.delayMs = 40;
    runtime.pingMs = 100;
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a')]);
    await vi.waitFor(() => expect(kafka.consumer0.paused.size).toBe(2), { timeout: 2000 });
    // The next batch waits while paused.
    await kafka.consumer0.deliver(TOPIC, 0, [message(1, 'b')]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runtime.processed).toEqual(['a']);
    runtime.delayMs = 0;
    runtime.pingMs = 0;
    await vi.waitFor(() => expect(kafka.consumer0.paused.size).toBe(0), { timeout: 2000 });
    await vi.waitFor(() => expect(runtime.processed).toEqual(['a', 'b']), { timeout: 2000 });
  });

  it('stops fetching a partition with its share of buffered messages until half of it is processed', async () => {
    const runtime = new FakeRuntime();
    runtime.delayMs = 30;
    const { kafka } = await joined([0, 1], {
      runtime,
      overrides: { batchSize: 1, maxBufferedMessages: 1000 },
    });
    const many = Array.from({ length: 500 }, (_, offset) => message(offset, `m${offset}`, offset));
    await kafka.consumer0.deliver(TOPIC, 0, many, '500');
    await kafka.consumer0.deliver(TOPIC, 1, [message(0, 'x', 10_000)], '1');
    expect(kafka.consumer0.paused.has(`${TOPIC}/0`)).toBe(true);
    expect(kafka.consumer0.paused.has(`${TOPIC}/1`)).toBe(false);
    runtime.delayMs = 1;
    await vi.waitFor(() => expect(kafka.consumer0.paused.has(`${TOPIC}/0`)).toBe(false), { timeout: 5000 });
    expect(runtime.processed.length).toBeGreaterThanOrEqual(250);
  });

  it('loads the keys of newly assigned partitions at the join, before the checkpoint that closes quiet episodes', async () => {
    // A partition with nothing more to deliver gets no batch: its keys must not wait for one.
    const { kafka, runtime } = await joined([1, 2]);
    expect(runtime.assigned).toEqual([[1], [2]]);
    expect(runtime.revoked).toEqual([[]]);
    kafka.consumer0.join({ [TOPIC]: [2] });
    await settle();
    kafka.consumer0.join({ [TOPIC]: [1, 2] });
    await settle();
    // Partition 1 came back: loaded again at once; partition 2 stayed and keeps what memory has.
    expect(runtime.assigned).toEqual([[1], [2], [1]]);
    expect(runtime.revoked).toEqual([[], [1], []]);
  });

  it('claims the store leases of all its partitions at every join, before loading any', async () => {
    const { kafka, runtime } = await joined([1, 2]);
    expect(runtime.claims).toEqual([{ group: 'g', topic: TOPIC, partitions: [1, 2] }]);
    kafka.consumer0.join({ [TOPIC]: [2, 3] });
    await settle();
    // Kept partitions are claimed again too: another instance may have held them in between.
    expect(runtime.steps).toEqual(['claim 1,2', 'assign 1', 'assign 2', 'claim 2,3', 'assign 3']);
  });

  it('rejoins its group when another instance claimed a partition of its own, and loads it again if assigned', async () => {
    const { kafka, runtime, metrics } = await joined([0, 1], {
      overrides: { retry: { initialRetryTimeMs: 20 } },
    });
    runtime.lost = [1];
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a'), message(1, 'b')]);
    await settle();
    expect(runtime.processed).toEqual(['a', 'b']);
    await vi.waitFor(() => expect(kafka.consumers).toHaveLength(2), { timeout: 2000 });
    expect(kafka.consumers[0]!.stopped).toBe(true);
    expect(await metrics.registry.getSingleMetricAsString('keywatch_kafka_partitions_lost_total')).toMatch(
      /keywatch_kafka_partitions_lost_total 1$/m,
    );
    await settle();
    kafka.consumer0.join({ [TOPIC]: [0, 1] });
    await settle();
    // Partition 0 stayed this instance's all along; partition 1's keys are loaded from the store again.
    expect(runtime.steps.slice(runtime.steps.lastIndexOf('claim 0,1'))).toEqual(['claim 0,1', 'assign 1']);
    await kafka.consumer0.deliver(TOPIC, 1, [message(0, 'c')]);
    await settle();
    expect(runtime.processed).toEqual(['a', 'b', 'c']);
  });

  it('checkpoints at every join and drops the keys of the partitions a join takes away', async () => {
    const { kafka, runtime } = await joined([1, 2]);
    expect(runtime.revoked).toEqual([[]]);
    kafka.consumer0.join({ [TOPIC]: [2] });
    await settle();
    expect(runtime.revoked[1]).toEqual([1]);
    kafka.consumer0.join({ [TOPIC]: [2] });
    await settle();
    expect(runtime.revoked[2]).toEqual([]);
  });

  it('checkpoints before rejoining when the group rebalances, and processes nothing until the join', async () => {
    const { kafka, runtime } = await joined([0]);
    for (const listener of kafka.consumer0.rebalanceListeners) listener();
    await settle();
    expect(runtime.revoked).toEqual([[]]);
    expect(runtime.checkpoints).toBe(1);
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a')]);
    await settle();
    expect(runtime.processed).toEqual([]);
    // The join drops what was buffered; the client fetches it again from the committed offsets.
    kafka.consumer0.join({ [TOPIC]: [0] });
    await settle();
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a'), message(1, 'b')]);
    await settle();
    expect(runtime.processed).toEqual(['a', 'b']);
  });

  it('checkpoints once the stream has gone quiet, so the stored offsets catch up', async () => {
    const { kafka, runtime } = await joined([0], { overrides: { offsetCommitIntervalMs: 100 } });
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a')]);
    await settle();
    expect(runtime.checkpoints).toBe(0);
    await vi.waitFor(() => expect(runtime.checkpoints).toBe(1), { timeout: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nothing new processed: no further checkpoint.
    expect(runtime.checkpoints).toBe(1);
  });

  it('copies the offsets in the store to Kafka’s committed offsets, never more', async () => {
    const runtime = new FakeRuntime();
    const { kafka } = await joined([0], { runtime });
    await kafka.consumer0.deliver(TOPIC, 0, [message(0, 'a'), message(1, 'b')]);
    runtime.storedOffsets = [{ group: 'g', topic: TOPIC, partition: 0, offset: '1' }];
    await vi.waitFor(() =>
      expect(kafka.consumer0.committed).toContainEqual({ topic: TOPIC, partition: 0, offset: '1' }),
    );
    expect(kafka.consumer0.committed.every((entry) => entry.offset === '1')).toBe(true);
  });

  it('recreates a consumer that crashed without restarting itself, after a delay', async () => {
    const { kafka } = await started({ overrides: { retry: { initialRetryTimeMs: 20 } } });
    expect(kafka.consumers).toHaveLength(1);
    for (const listener of kafka.consumer0.crashListeners) listener(new Error('broker gone'), false);
    await vi.waitFor(() => expect(kafka.consumers).toHaveLength(2), { timeout: 2000 });
    expect(kafka.consumers[0]!.stopped).toBe(true);
  });
});
