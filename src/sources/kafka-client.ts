import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import {
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type LogEntry,
  logLevel,
  Partitioners,
  type RetryOptions,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import { KeywatchError } from '../errors.js';
import type { KafkaConfig } from './kafka-config.js';

// The one file of Keywatch that imports kafkajs: everything else talks to Kafka through these
// narrow interfaces, so the client can be swapped (or faked in tests) without touching the source.

/** Header values as Kafka carries them. */
export type MessageHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** One consumed message. */
export interface SourceMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** Offset in its partition, as a decimal string (offsets are 64-bit). */
  offset: string;
  /** Producer (create) time or log-append time, epoch ms as a string. */
  timestamp: string;
  headers?: MessageHeaders | undefined;
}

/** Consecutive messages of one partition, as one fetch returned them. */
export interface SourceBatch {
  topic: string;
  partition: number;
  /** Offset of the next message the partition will get (end of the log), as a string. */
  highWatermark: string;
  messages: readonly SourceMessage[];
}

/** What a batch handler may do with the consumer while it holds the batch. */
export interface BatchControl {
  /** Marks messages up to this offset as processed (Kafka's position moves past it). */
  resolveOffset(offset: string): void;
  /** Heartbeats if the interval has passed; throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** Makes the next fetch of this partition start at `offset` (the rest of this batch is dropped). */
  seek(offset: string): void;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True when a seek made the rest of this batch obsolete. */
  isStale(): boolean;
}

/** Handles one batch; resolves when it is done with it. */
export type BatchHandler = (batch: SourceBatch, control: BatchControl) => Promise<void>;

/** One partition of one topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

function byTopic(partitions: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const grouped = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = grouped.get(topic) ?? [];
    list.push(partition);
    grouped.set(topic, list);
  }
  return [...grouped].map(([topic, numbers]) => ({ topic, partitions: numbers }));
}

/** A member of a consumer group. */
export interface GroupConsumer {
  /** Connects, subscribes and starts consuming; resolves after the first join (or a crash). */
  start(handler: BatchHandler): Promise<void>;
  /** Called after every join of the group with this member's partitions, by topic. */
  onGroupJoin(listener: (assignment: Record<string, number[]>) => void): void;
  /** Called when the member learns that the group rebalances, before it rejoins. */
  onRebalancing(listener: () => void): void;
  /** Called when the consumer crashed; `restarting` tells whether the client restarts it itself. */
  onCrash(listener: (error: Error, restarting: boolean) => void): void;
  /**
   * Stops fetching from these partitions until resumed (the member stays in the group). Does
   * nothing before the consumer runs.
   */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Commits these next offsets as the group's position in Kafka (while the consumer runs). */
  commitOffsets(offsets: ReadonlyArray<{ topic: string; partition: number; offset: string }>): Promise<void>;
  /** Leaves the group (after the batch in hand is done) and disconnects. */
  stop(): Promise<void>;
}

/** A message to produce. */
export interface OutgoingMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
  /** Record timestamp, epoch ms as a string (default: now). Set it to the event time. */
  timestamp?: string;
}

export interface MessageProducer {
  connect(): Promise<void>;
  /** Sends with acks from all in-sync replicas; retried by the client as configured. */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface ClusterAdmin {
  connect(): Promise<void>;
  /** Partition ids of a topic (refreshing metadata). */
  partitionsOf(topic: string): Promise<number[]>;
  /** Creates a topic unless it exists; resolves true when it created it. */
  createTopic(topic: {
    topic: string;
    partitions?: number;
    configs?: Record<string, string>;
  }): Promise<boolean>;
  /** Log start (`low`) and end (`high`) offset of each partition. */
  topicOffsets(topic: string): Promise<Array<{ partition: number; low: string; high: string }>>;
  /** The group's committed Kafka offsets for a topic (`-1` where none). */
  groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** Options of one consumer that differ from the `kafka` settings (benchmarks, tests). */
export interface ConsumerOverrides {
  groupId?: string;
  topics?: readonly string[];
  fromBeginning?: boolean;
}

/** Makes consumers, producers and admin clients for one cluster. */
export interface KafkaClient {
  consumer(overrides?: ConsumerOverrides): GroupConsumer;
  producer(): MessageProducer;
  admin(): ClusterAdmin;
}

/** Whether an error means the group is rebalancing (the consumer rejoins; the batch is re-fetched). */
export function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return (
    type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION'
  );
}

function readPem(path: string, setting: string): Buffer | undefined {
  if (path === '') return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new KeywatchError(
      'KW_ERR_CONFIG_INVALID',
      `Invalid configuration: setting "${setting}" names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { setting },
    );
  }
}

function tlsOptions(config: KafkaConfig): ConnectionOptions | undefined {
  const ssl = config.ssl;
  if (!ssl.enabled) return undefined;
  const ca = readPem(ssl.caFile, 'kafka.ssl.caFile');
  const cert = readPem(ssl.certFile, 'kafka.ssl.certFile');
  const key = readPem(ssl.keyFile, 'kafka.ssl.keyFile');
  return {
    rejectUnauthorized: ssl.rejectUnauthorized,
    ...(ca ? { ca: [ca] } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  };
}

function saslOptions(config: KafkaConfig): SASLOptions | undefined {
  const { mechanism, username, password } = config.sasl;
  if (mechanism === 'none') return undefined;
  return { mechanism, username, password };
}

function retryOptions(config: KafkaConfig): RetryOptions {
  return {
    initialRetryTime: config.retry.initialRetryTimeMs,
    maxRetryTime: config.retry.maxRetryTimeMs,
    retries: config.retry.retries,
    factor: 0.2,
    multiplier: 2,
  };
}

/** kafkajs log lines into pino, one level lower (kafkajs INFO is chatty) and nested under `kafka`. */
function logCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const {
        message,
        timestamp: _timestamp,
        logger: _name,
        ...fields
      } = log as LogEntry['log'] & {
        logger?: string;
      };
      const entry = { kafka: { namespace, ...fields } };
      if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.debug(entry, message);
      else logger.trace(entry, message);
    };
}

function batchControl(payload: EachBatchPayload, consumer: Consumer): BatchControl {
  const { topic, partition } = payload.batch;
  return {
    resolveOffset: (offset) => payload.resolveOffset(offset),
    heartbeat: () => payload.heartbeat(),
    seek: (offset) => consumer.seek({ topic, partition, offset }),
    isRunning: () => payload.isRunning(),
    isStale: () => payload.isStale(),
  };
}

function groupConsumer(kafka: Kafka, config: KafkaConfig, overrides: ConsumerOverrides): GroupConsumer {
  const retry = retryOptions(config);
  const consumer = kafka.consumer({
    groupId: overrides.groupId ?? config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    rebalanceTimeout: config.rebalanceTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    minBytes: config.minBytes,
    maxBytes: config.maxBytes,
    maxBytesPerPartition: config.maxBytesPerPartition,
    maxWaitTimeInMs: config.maxWaitTimeMs,
    allowAutoTopicCreation: false,
    retry,
  });
  const topics = [...(overrides.topics ?? config.topics)];
  return {
    async start(handler) {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: overrides.fromBeginning ?? config.fromBeginning });
      // Offsets are resolved and committed by the handler only after the store has committed the
      // batch (Kafka's copy is for lag and visibility; the store's copy is the truth on restart).
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => handler(payload.batch, batchControl(payload, consumer)),
      });
    },
    onGroupJoin(listener) {
      consumer.on(consumer.events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment));
    },
    onRebalancing(listener) {
      consumer.on(consumer.events.REBALANCING, () => listener());
    },
    onCrash(listener) {
      consumer.on(consumer.events.CRASH, (event) => listener(event.payload.error, event.payload.restart));
    },
    pause(partitions) {
      if (partitions.length === 0) return;
      try {
        consumer.pause(byTopic(partitions));
      } catch {
        // Not running (yet, or any more): nothing is fetched anyway.
      }
    },
    resume(partitions) {
      if (partitions.length === 0) return;
      try {
        consumer.resume(byTopic(partitions));
      } catch {
        // As for pause.
      }
    },
    async commitOffsets(offsets) {
      await consumer.commitOffsets(
        offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      );
    },
    async stop() {
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}

/**
 * A Kafka client for the configured cluster (brokers, client id, TLS, SASL, timeouts and retries
 * set explicitly, logs into pino).
 *
 * @example
 * const kafka = createKafkaClient(config.kafka, logger);
 * const producer = kafka.producer();
 * await producer.connect();
 * await producer.send('access-logs', [{ key: 'key-1', value: JSON.stringify(event) }]);
 */
export function createKafkaClient(config: KafkaConfig, logger: Logger): KafkaClient {
  const ssl = tlsOptions(config);
  const sasl = saslOptions(config);
  const retry = retryOptions(config);
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    retry,
    logLevel: logLevel.INFO,
    logCreator: logCreator(logger),
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
  });
  return {
    consumer: (overrides = {}) => groupConsumer(kafka, config, overrides),
    producer() {
      const producer = kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: true,
        retry,
      });
      return {
        connect: () => producer.connect(),
        async send(topic, messages) {
          await producer.send({ topic, acks: -1, messages: messages as OutgoingMessage[] });
        },
        disconnect: () => producer.disconnect(),
      };
    },
    admin() {
      const admin = kafka.admin({ retry });
      return {
        connect: () => admin.connect(),
        async partitionsOf(topic) {
          const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
          return (metadata.topics[0]?.partitions ?? [])
            .map((entry) => entry.partitionId)
            .sort((a, b) => a - b);
        },
        async createTopic({ topic, partitions, configs }) {
          return admin.createTopics({
            waitForLeaders: true,
            topics: [
              {
                topic,
                ...(partitions !== undefined ? { numPartitions: partitions } : {}),
                ...(configs
                  ? { configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }
                  : {}),
              },
            ],
          });
        },
        async topicOffsets(topic) {
          const offsets = await admin.fetchTopicOffsets(topic);
          return offsets.map(({ partition, low, high }) => ({ partition, low, high }));
        },
        async groupOffsets(groupId, topic) {
          const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
          return (entry?.partitions ?? []).map(({ partition, offset }) => ({ partition, offset }));
        },
        async deleteTopics(topics) {
          await admin.deleteTopics({ topics: [...topics] });
        },
        disconnect: () => admin.disconnect(),
      };
    },
  };
}
