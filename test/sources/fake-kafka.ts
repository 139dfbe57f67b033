// In-memory stand-ins for the Kafka client and the runtime, to drive the Kafka source through
// situations a real broker produces rarely or slowly (crashes, failures, exact interleavings).

import type { IngestResult } from '../../src/service/types.js';
import type {
  BatchControl,
  BatchHandler,
  ClusterAdmin,
  GroupConsumer,
  KafkaClient,
  MessageProducer,
  OutgoingMessage,
  SourceMessage,
  TopicPartition,
} from '../../src/sources/kafka-client.js';
import type { KafkaSourceRuntime } from '../../src/sources/kafka-consumer.js';
import type { OffsetCheckpoint } from '../../src/store/types.js';

export class FakeConsumer implements GroupConsumer {
  handler: BatchHandler | undefined;
  joinListeners: Array<(assignment: Record<string, number[]>) => void> = [];
  rebalanceListeners: Array<() => void> = [];
  crashListeners: Array<(error: Error, restarting: boolean) => void> = [];
  readonly paused = new Set<string>();
  readonly committed: Array<TopicPartition & { offset: string }> = [];
  stopped = false;

  async start(handler: BatchHandler): Promise<void> {
    this.handler = handler;
  }
  onGroupJoin(listener: (assignment: Record<string, number[]>) => void): void {
    this.joinListeners.push(listener);
  }
  onRebalancing(listener: () => void): void {
    this.rebalanceListeners.push(listener);
  }
  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.crashListeners.push(listener);
  }
  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.paused.add(`${topic}/${partition}`);
  }
  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.paused.delete(`${topic}/${partition}`);
  }
  async commitOffsets(offsets: ReadonlyArray<TopicPartition & { offset: string }>): Promise<void> {
    this.committed.push(...offsets);
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }

  /** The group assigns these partitions. */
  join(assignment: Record<string, number[]>): void {
    for (const listener of this.joinListeners) listener(assignment);
  }

  /** Delivers a batch as the client would; returns what the handler did with it. */
  async deliver(
    topic: string,
    partition: number,
    messages: SourceMessage[],
    highWatermark?: string,
  ): Promise<{ resolved: string[]; sought: string[] }> {
    const resolved: string[] = [];
    const sought: string[] = [];
    const control: BatchControl = {
      resolveOffset: (offset) => resolved.push(offset),
      heartbeat: async () => {},
      seek: (offset) => sought.push(offset),
      isRunning: () => !this.stopped,
      isStale: () => sought.length > 0,
    };
    const end = highWatermark ?? String(Number(messages[messages.length - 1]?.offset ?? '-1') + 1);
    await this.handler!({ topic, partition, highWatermark: end, messages }, control);
    return { resolved, sought };
  }
}

export class FakeKafka implements KafkaClient {
  readonly consumers: FakeConsumer[] = [];
  readonly sent: Array<{ topic: string; messages: OutgoingMessage[] }> = [];
  partitions = 2;
  /** End offsets the admin reports, by partition (default: 0, empty). */
  highWatermarks = new Map<number, string>();
  failSends = false;

  get consumer0(): FakeConsumer {
    return this.consumers[this.consumers.length - 1]!;
  }
  consumer(): GroupConsumer {
    const consumer = new FakeConsumer();
    this.consumers.push(consumer);
    return consumer;
  }
  producer(): MessageProducer {
    return {
      connect: async () => {},
      send: async (topic, messages) => {
        if (this.failSends) throw new Error('the dead-letter topic is not writable');
        this.sent.push({ topic, messages: [...messages] });
      },
      disconnect: async () => {},
    };
  }
  admin(): ClusterAdmin {
    return {
      connect: async () => {},
      partitionsOf: async () => Array.from({ length: this.partitions }, (_, index) => index),
      createTopic: async () => true,
      topicOffsets: async () =>
        Array.from({ length: this.partitions }, (_, partition) => ({
          partition,
          low: '0',
          high: this.highWatermarks.get(partition) ?? '0',
        })),
      groupOffsets: async () => [],
      deleteTopics: async () => {},
      disconnect: async () => {},
    };
  }
}

/** One call of runtime.process as the fake runtime saw it. */
export interface ProcessCall {
  values: string[];
  offsets: OffsetCheckpoint[];
  partition: number | undefined;
}

export class FakeRuntime implements KafkaSourceRuntime {
  readonly calls: ProcessCall[] = [];
  readonly assigned: number[][] = [];
  readonly revoked: number[][] = [];
  storedOffsets: OffsetCheckpoint[] = [];
  /** Makes process() fail (as when the store refuses a commit). */
  failure: Error | undefined;
  /** Time process() takes, in ms. */
  delayMs = 0;
  pingMs = 0;

  readonly store = {
    getOffsets: async (_group: string, topic: string) =>
      this.storedOffsets.filter((offset) => offset.topic === topic),
    ping: async () => {
      if (this.pingMs > 0) await new Promise((resolve) => setTimeout(resolve, this.pingMs));
    },
  };

  async process(
    events: unknown[],
    offsets: OffsetCheckpoint[] | undefined,
    partitionOf?: (keyId: string) => number | undefined,
  ): Promise<IngestResult> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure) throw this.failure;
    const values = events.map((value) => String(value));
    this.calls.push({ values, offsets: offsets ?? [], partition: partitionOf?.('any') });
    const rejected: IngestResult['rejected'] = [];
    values.forEach((value, index) => {
      if (value.startsWith('bad'))
        rejected.push({ index, reason: 'bad_json', message: 'The line is not valid JSON' });
      if (value.startsWith('dup')) rejected.push({ index, reason: 'duplicate', message: 'duplicate' });
    });
    return { accepted: values.length - rejected.length, rejected };
  }
  /** Leases claimed, per call. */
  claims: Array<{ group: string; topic: string; partitions: number[] }> = [];
  /** What the next takeLostPartitions() returns (a test sets it to act as a fenced commit). */
  lost: number[] = [];

  /** Claims and loads in the order they happened (`claim 1,2`, `assign 1`). */
  steps: string[] = [];

  async claimPartitions(group: string, topic: string, partitions: readonly number[]): Promise<void> {
    this.claims.push({ group, topic, partitions: [...partitions] });
    this.steps.push(`claim ${partitions.join(',')}`);
  }
  takeLostPartitions(): number[] {
    return this.lost.splice(0);
  }
  async assignPartitions(partitions: readonly number[]): Promise<number> {
    this.assigned.push([...partitions]);
    this.steps.push(`assign ${partitions.join(',')}`);
    return 0;
  }
  async revokePartitions(partitions: readonly number[]): Promise<number> {
    this.revoked.push([...partitions]);
    return 0;
  }

  /** Checkpoints asked for outside of joins (before a rebalance, when the stream is quiet). */
  checkpoints = 0;

  async checkpoint(): Promise<void> {
    this.checkpoints++;
  }

  /** Every value processed, in order. */
  get processed(): string[] {
    return this.calls.flatMap((call) => call.values);
  }
}

/** A message at `offset` with value `value` and record timestamp `ts` (ms). */
export function message(offset: number, value: string, ts = 0, key = 'key'): SourceMessage {
  return {
    key: Buffer.from(key),
    value: Buffer.from(value),
    offset: String(offset),
    timestamp: String(ts),
    headers: {},
  };
}

/** Lets pending promises and timers of the source run. */
export async function settle(rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round++) await new Promise((resolve) => setImmediate(resolve));
}
