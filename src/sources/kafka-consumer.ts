import type { Logger } from 'pino';
import { isKeywatchError, KeywatchError } from '../errors.js';
import type { KeywatchMetrics } from '../metrics.js';
import type { IngestResult } from '../service/types.js';
import type { OffsetCheckpoint, Store } from '../store/types.js';
import { DeadLetterSender } from './dead-letter-sender.js';
import { type AlignedRun, EventTimeAligner } from './event-time-aligner.js';
import {
  type BatchControl,
  createKafkaClient,
  type GroupConsumer,
  type KafkaClient,
  type SourceBatch,
  type TopicPartition,
} from './kafka-client.js';
import { deadLetterTopicOf, describeKafkaConfig, type KafkaConfig } from './kafka-config.js';
import { type KafkaSourceMetrics, kafkaSourceMetrics } from './kafka-metrics.js';
import { type OwnedPartition, PartitionOwnership } from './partition-ownership.js';
import { StoreBackpressure } from './store-backpressure.js';

/** What the Kafka source needs of the runtime (src/service/runtime.ts implements it). */
export interface KafkaSourceRuntime {
  readonly store: Pick<Store, 'getOffsets' | 'ping'>;
  process(
    events: unknown[],
    offsets: OffsetCheckpoint[] | undefined,
    partitionOf?: (keyId: string) => number | undefined,
  ): Promise<IngestResult>;
  /** Takes the store's leases of these partitions (fencing off their previous owner). */
  claimPartitions(group: string, topic: string, partitions: readonly number[]): Promise<void>;
  /** Partitions whose leases another instance claimed since the last call (their keys were dropped). */
  takeLostPartitions(): number[];
  assignPartitions(partitions: readonly number[]): Promise<number>;
  revokePartitions(partitions: readonly number[]): Promise<number>;
  /** Checkpoints every changed key state with the offsets it covers. */
  checkpoint(): Promise<void>;
}

export interface KafkaSourceOptions {
  runtime: KafkaSourceRuntime;
  /** The `kafka` settings (brokers must not be empty). */
  config: KafkaConfig;
  logger: Logger;
  metrics: KeywatchMetrics;
  /** The client to use; by default one for `config` (tests pass a fake). */
  kafka?: KafkaClient;
  /**
   * Called once when consumption stopped for good because the runtime or the store failed (the
   * engine may be ahead of the store): the process should exit and be restarted, which resumes from
   * the store's offsets. Without it the source only stops consuming (and says so, loudly).
   */
  onFatal?: (error: unknown) => void;
}

/** A running Kafka source. */
export interface KafkaSource {
  /** Stops consuming: lets the run in hand finish, leaves the group, disconnects. Idempotent. */
  stop(): Promise<void>;
}

/** `KW_ERR_CONFIG_INVALID` for settings TypeBox cannot check alone (they depend on each other). */
export function checkKafkaConfig(config: KafkaConfig): void {
  const invalid = (setting: string, message: string) =>
    new KeywatchError('KW_ERR_CONFIG_INVALID', `Invalid configuration: setting "${setting}" ${message}`, {
      setting,
    });
  if (config.brokers.length === 0) throw invalid('kafka.brokers', 'must list at least one broker');
  if (new Set(config.topics).size !== config.topics.length)
    throw invalid('kafka.topics', 'must not list a topic twice');
  if (config.heartbeatIntervalMs >= config.sessionTimeoutMs)
    throw invalid('kafka.heartbeatIntervalMs', 'must be lower than kafka.sessionTimeoutMs (about a third)');
  if (config.sasl.mechanism !== 'none' && (config.sasl.username === '' || config.sasl.password === ''))
    throw invalid('kafka.sasl', `needs a username and a password for ${config.sasl.mechanism}`);
  for (const topic of config.topics) {
    if (deadLetterTopicOf(config.deadLetterTopic, topic) === topic)
      throw invalid('kafka.deadLetterTopic', 'must differ from the topic it serves');
  }
}

/** Coordinates a log line is about. */
interface Where {
  topic: string;
  partition: number;
  offset?: string;
}

/**
 * Consumes access-log events from Kafka into the runtime, as a member of a consumer group.
 *
 * Fetching and processing are decoupled. The batch handler checks a partition against the store
 * once per group join (loading its keys, and seeking back to the store's offset when Kafka's
 * position is ahead of it), then only buffers the batch; a partition with a full buffer stops being
 * fetched. A single pump processes the buffers in record-timestamp order across partitions (see
 * EventTimeAligner), in runs of at most `batchSize` messages of one partition: `runtime.process`
 * stores the run's alerts and checkpoints key states with the offsets they cover. Kafka's committed
 * offsets only mirror the store's. Rejected messages go to the dead-letter topic with their reason.
 * A failure of the runtime or the store stops consumption for good (`onFatal`): the engine may then
 * be ahead of the store, and only a restart that resumes from the store's offsets is exact.
 */
class KafkaIngestion implements KafkaSource {
  private readonly runtime: KafkaSourceRuntime;
  private readonly config: KafkaConfig;
  private readonly logger: Logger;
  private readonly metrics: KeywatchMetrics;
  private readonly sourceMetrics: KafkaSourceMetrics;
  private readonly kafka: KafkaClient;
  private readonly onFatal: ((error: unknown) => void) | undefined;
  private readonly ownership: PartitionOwnership;
  private readonly aligner: EventTimeAligner;
  private readonly backpressure: StoreBackpressure;
  private readonly deadLetters: DeadLetterSender;
  private consumer: GroupConsumer | undefined;
  /** Which consumer is current: events and batches of a replaced consumer are ignored. */
  private generation = 0;
  /** Work of the latest group join, finished before any batch of it is taken. */
  private joinWork: Promise<void> = Promise.resolve();
  /** Between a rebalance notice and the next join: nothing is processed. */
  private rebalancing = false;
  /** Partitions this source has asked the client not to fetch. */
  private readonly paused = new Set<OwnedPartition>();
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private pumpTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelayMs: number;
  private mirrorTimer: NodeJS.Timeout | undefined;
  /** Offsets last copied to Kafka, by topic and partition. */
  private readonly mirrored = new Map<string, string>();
  private stopping: Promise<void> | undefined;
  private failed = false;
  private processedSinceCheckpoint = 0;
  private lastProcessedAt = 0;

  constructor(options: KafkaSourceOptions) {
    this.runtime = options.runtime;
    this.config = options.config;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.sourceMetrics = kafkaSourceMetrics(options.metrics.registry);
    this.kafka = options.kafka ?? createKafkaClient(options.config, options.logger);
    this.onFatal = options.onFatal;
    this.ownership = new PartitionOwnership({ partitionedByKeyId: options.config.partitionedByKeyId });
    this.aligner = new EventTimeAligner({
      windowMs: options.config.alignWindowMs,
      waitMs: options.config.alignWaitMs,
    });
    this.restartDelayMs = options.config.retry.initialRetryTimeMs;
    this.deadLetters = new DeadLetterSender({
      kafka: this.kafka,
      topics: options.config.topics,
      template: options.config.deadLetterTopic,
      maxValueBytes: options.config.deadLetterMaxValueBytes,
      logger: options.logger,
      metrics: this.sourceMetrics,
    });
    this.backpressure = new StoreBackpressure({
      ...options.config.pause,
      probe: () => this.runtime.store.ping(),
      onPause: (latencyMs) => {
        this.sourceMetrics.paused.set(1);
        this.logger.warn(
          { commitMs: Math.round(latencyMs), limitMs: this.config.pause.commitLatencyMs },
          'the store falls behind: Kafka consumption paused',
        );
        this.applyPauses();
      },
      onResume: (probeMs) => {
        this.sourceMetrics.paused.set(0);
        this.logger.info(
          { probeMs: Math.round(probeMs) },
          'the store keeps up again: Kafka consumption resumed',
        );
        this.applyPauses();
        this.pump();
      },
    });
  }

  start(): void {
    this.logger.info({ kafka: describeKafkaConfig(this.config) }, 'consuming access logs from Kafka');
    this.launch();
    let mirroring = false;
    this.mirrorTimer = setInterval(() => {
      if (mirroring) return;
      mirroring = true;
      void this.checkpointWhenIdle()
        .then(() => this.mirrorOffsets())
        .finally(() => {
          mirroring = false;
        });
    }, this.config.offsetCommitIntervalMs);
    this.mirrorTimer.unref();
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.restartTimer);
    clearTimeout(this.pumpTimer);
    clearInterval(this.mirrorTimer);
    this.backpressure.stop();
    const consumer = this.consumer;
    this.consumer = undefined;
    this.generation++;
    try {
      await consumer?.stop();
    } catch (error) {
      this.logger.warn({ err: error }, 'the Kafka consumer did not stop cleanly');
    }
    // The run in hand finishes; what is still buffered is fetched again from the store's offsets.
    await this.pumping;
    await this.deadLetters.close();
    this.logger.info('Kafka consumption stopped');
  }

  /** Creates a consumer, joins the group and starts consuming (a failure schedules a new attempt). */
  private launch(): void {
    const generation = ++this.generation;
    const consumer = this.kafka.consumer();
    this.consumer = consumer;
    this.paused.clear();
    consumer.onGroupJoin((assignment) => {
      if (generation === this.generation) this.onGroupJoin(assignment);
    });
    consumer.onRebalancing(() => {
      if (generation === this.generation) this.onRebalancing();
    });
    consumer.onCrash((error, restarting) => {
      if (generation !== this.generation || this.stopping !== undefined || this.failed) return;
      // Whatever the client does next, it joins again: stop processing until that join.
      this.rebalancing = true;
      if (restarting) {
        this.logger.warn({ err: error }, 'the Kafka consumer crashed; the client restarts it');
        return;
      }
      this.relaunch(error);
    });
    consumer
      .start((batch, control) => this.onBatch(batch, control, generation))
      .catch((error: unknown) => {
        if (generation !== this.generation || this.stopping !== undefined || this.failed) return;
        this.relaunch(error);
      });
  }

  /** Replaces a consumer that crashed for good, after a delay that doubles up to the configured cap. */
  private relaunch(error: unknown): void {
    const previous = this.consumer;
    this.consumer = undefined;
    this.generation++;
    this.rebalancing = true;
    const delayMs = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, this.config.retry.restartMaxDelayMs);
    this.sourceMetrics.consumerRestarts.inc();
    this.logger.error({ err: error, retryInMs: delayMs }, 'the Kafka consumer stopped; starting a new one');
    this.restartTimer = setTimeout(() => {
      void (async () => {
        await previous?.stop().catch(() => {});
        if (this.stopping === undefined && !this.failed) this.launch();
      })();
    }, delayMs);
  }

  /**
   * The group is about to rebalance: stop processing, and checkpoint every key state with its
   * offsets at once, so that the next owner of a partition of ours starts where this instance is.
   */
  private onRebalancing(): void {
    this.rebalancing = true;
    this.joinWork = this.joinWork
      .then(async () => {
        await this.pumping;
        await this.runtime.checkpoint();
      })
      .catch((error: unknown) => this.fail(error, 'checkpointing before a rebalance failed'));
  }

  /**
   * A group join assigned these partitions. Synchronous: it runs before the first fetch of the new
   * generation, and the revocations it queues run before any batch of it (batches await joinWork).
   */
  private onGroupJoin(assignment: Record<string, number[]>): void {
    this.restartDelayMs = this.config.retry.initialRetryTimeMs;
    this.rebalancing = true;
    const ours: Record<string, number[]> = {};
    for (const topic of this.config.topics)
      ours[topic] = [...(assignment[topic] ?? [])].sort((a, b) => a - b);
    this.joinWork = this.joinWork
      .then(async () => {
        await this.pumping;
        const before = this.ownership.assigned();
        const revoked = this.ownership.join(ours);
        for (const state of before) {
          if (this.ownership.get(state.topic, state.partition) === undefined)
            this.metrics.consumerLag.remove({ topic: state.topic, partition: String(state.partition) });
        }
        this.aligner.reset(this.ownership.assigned());
        this.resumeAll();
        this.forgetLost(this.runtime.takeLostPartitions());
        // Leases first, then loading: once this instance holds a partition's lease, an instance that
        // owned it before (stalled, say, and not yet aware it was replaced) can no longer write it.
        for (const topic of this.config.topics) {
          const partitions = ours[topic] ?? [];
          if (partitions.length > 0)
            await this.runtime.claimPartitions(this.config.groupId, topic, partitions);
        }
        await this.primePartitions();
        // The keys of partitions new to this instance are loaded now, not at their first batch: a
        // partition with nothing more to deliver must still close its keys' quiet episodes (the
        // checkpoint below flushes the engine, which closes them).
        for (const state of this.ownership.assigned()) {
          if (!state.owned && !(await this.load(state))) return;
        }
        // Also without revocations: this checkpoints every key state with its offsets, so that the
        // next owner of any partition of ours starts exactly where this instance stopped.
        await this.runtime.revokePartitions(revoked);
        this.rebalancing = false;
        this.logger.info({ assignment: ours, revoked }, 'joined the Kafka consumer group');
      })
      .catch((error: unknown) => this.fail(error, 'applying a partition assignment failed'));
  }

  /**
   * Reads where each assigned partition starts and where its log ends: the lag metric then covers
   * every partition from the start, and the aligner does not wait for partitions with nothing to
   * deliver. Best effort: without it, an empty partition is waited for `alignWaitMs` once.
   */
  private async primePartitions(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      for (const topic of this.config.topics) {
        const ends = await admin.topicOffsets(topic);
        const stored = await this.runtime.store.getOffsets(this.config.groupId, topic);
        const committed = await admin.groupOffsets(this.config.groupId, topic);
        for (const { partition, low, high } of ends) {
          const state = this.ownership.get(topic, partition);
          if (state === undefined) continue;
          const fromStore = stored.find((entry) => entry.partition === partition)?.offset;
          const fromKafka = committed.find((entry) => entry.partition === partition)?.offset;
          const start =
            state.position ??
            (fromStore !== undefined
              ? BigInt(fromStore)
              : fromKafka !== undefined && BigInt(fromKafka) >= 0n
                ? BigInt(fromKafka)
                : BigInt(this.config.fromBeginning ? low : high));
          this.aligner.expect(state, start, BigInt(high));
          const lag = BigInt(high) - start;
          this.metrics.consumerLag.set({ topic, partition: String(partition) }, lag > 0n ? Number(lag) : 0);
        }
      }
    } catch (error) {
      this.logger.debug(
        { err: error },
        'could not read the partitions’ ends; empty partitions are waited for once',
      );
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** A fetched batch: checked against the store once per join, then buffered for the pump. */
  private async onBatch(batch: SourceBatch, control: BatchControl, generation: number): Promise<void> {
    if (generation !== this.generation || this.failed || this.stopping !== undefined) return;
    await this.joinWork;
    if (this.failed || generation !== this.generation) return;
    const { topic, partition, messages } = batch;
    const state = this.ownership.get(topic, partition);
    if (state === undefined || messages.length === 0) return;
    if (!state.prepared && !(await this.prepare(state, messages[0]!.offset, control))) return;
    if (generation !== this.generation || this.ownership.get(topic, partition) !== state) return;
    this.aligner.add(state, messages, batch.highWatermark);
    // Processing is the pump's business: the fetch position moves past the whole batch at once,
    // buffered now or already processed (Kafka's committed offsets, the ones that count after a
    // restart, come from the store).
    control.resolveOffset(messages[messages.length - 1]!.offset);
    this.updateLag(state);
    this.applyPause(state);
    this.pump();
  }

  /**
   * First batch of a partition since the group joined: loads its keys (unless this instance has
   * been processing it all along) and takes the store's offset as the position: the key states in
   * the store were checkpointed with exactly that offset. Returns false when it sought back (the
   * batch is then dropped and fetched again from the store's offset).
   */
  private async prepare(state: OwnedPartition, firstOffset: string, control: BatchControl): Promise<boolean> {
    if (!(await this.load(state))) return false;
    const { topic, partition } = state;
    const first = BigInt(firstOffset);
    if (state.position !== undefined && first > state.position) {
      if (!state.sought) {
        // Kafka's position runs ahead of the store's offset (say the store was restored from a
        // backup): process again from the store's offset, so the key states see every event.
        state.sought = true;
        this.logger.info(
          { topic, partition, kafkaOffset: firstOffset, storeOffset: state.position.toString() },
          'resuming a partition from the offset in the store',
        );
        control.seek(state.position.toString());
        return false;
      }
      this.logger.warn(
        { topic, partition, storeOffset: state.position.toString(), firstOffset },
        'messages after the stored offset are no longer in Kafka (retention): they were skipped',
      );
      state.position = first;
    }
    state.prepared = true;
    return true;
  }

  /**
   * Loads a partition's keys from the store and takes the store's offset as its position, unless
   * this instance has been processing the partition all along (memory is then ahead of the store).
   * False when the store failed (consumption then stops).
   */
  private async load(state: OwnedPartition): Promise<boolean> {
    const { topic, partition } = state;
    let stored: bigint | undefined;
    try {
      const offsets = await this.runtime.store.getOffsets(this.config.groupId, topic);
      const entry = offsets.find((offset) => offset.partition === partition);
      stored = entry === undefined ? undefined : BigInt(entry.offset);
      // A partition new to this instance, or one another instance has moved on meanwhile: its keys
      // come from the store. A partition kept across the join keeps what memory has beyond the store.
      if (!state.owned || state.position === undefined || (stored !== undefined && stored > state.position))
        await this.runtime.assignPartitions([partition]);
    } catch (error) {
      this.fail(error, 'loading a partition from the store failed', { topic, partition });
      return false;
    }
    state.owned = true;
    if (stored !== undefined && (state.position === undefined || stored > state.position))
      state.position = stored;
    return true;
  }

  /** Runs the pump unless it runs; a run in progress loops once more. */
  private pump(): void {
    if (this.pumping !== undefined) {
      this.pumpAgain = true;
      return;
    }
    clearTimeout(this.pumpTimer);
    this.pumping = this.pumpLoop().finally(() => {
      this.pumping = undefined;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.pump();
      }
    });
  }

  /** Processes buffered runs until none is ready (or processing must stop). */
  private async pumpLoop(): Promise<void> {
    for (;;) {
      this.pumpAgain = false;
      if (this.failed || this.stopping !== undefined || this.rebalancing || this.backpressure.paused) return;
      const next = this.aligner.next(Date.now(), this.config.batchSize);
      if (next === undefined) return;
      if ('waitUntil' in next) {
        // A partition that is behind has delivered nothing yet: look again when it is due.
        this.pumpTimer = setTimeout(() => this.pump(), Math.max(1, next.waitUntil - Date.now()));
        this.pumpTimer.unref();
        return;
      }
      const paused = await this.processRun(next);
      this.applyPause(next.owner);
      if (paused === undefined || paused) return;
    }
  }

  /**
   * Processes one run in the runtime; returns whether the store asked for a pause, undefined when
   * consumption stopped because of a failure.
   */
  private async processRun(run: AlignedRun): Promise<boolean | undefined> {
    const { owner: state, messages } = run;
    const { topic, partition } = state;
    const values = new Array<unknown>(messages.length);
    for (let index = 0; index < messages.length; index++) values[index] = messages[index]!.value;
    const next = (BigInt(messages[messages.length - 1]!.offset) + 1n).toString();
    const started = performance.now();
    let result: IngestResult;
    try {
      result = await this.runtime.process(
        values,
        [{ group: this.config.groupId, topic, partition, offset: next }],
        state.partitionOf,
      );
    } catch (error) {
      this.fail(error, 'processing Kafka messages failed', { topic, partition, offset: messages[0]!.offset });
      return undefined;
    }
    const tookMs = performance.now() - started;
    this.lastProcessedAt = performance.now();
    this.processedSinceCheckpoint += messages.length;
    const lost = this.runtime.takeLostPartitions();
    if (!lost.includes(partition)) {
      state.position = BigInt(next);
      this.updateLag(state);
      if (result.rejected.length > 0)
        await this.deadLetters.send(topic, partition, messages, result.rejected);
    }
    if (lost.length > 0) {
      // Another instance holds partitions of ours: the group moved on without this instance (it
      // stalled past its session timeout, say). Rejoin; what was lost is loaded again if assigned.
      this.forgetLost(lost);
      this.sourceMetrics.partitionsLost.inc(lost.length);
      this.relaunch(
        new KeywatchError(
          'KW_ERR_UNAVAILABLE',
          `Kafka partitions ${lost.join(', ')} were claimed by another instance`,
        ),
      );
      return undefined;
    }
    return this.backpressure.observe(tookMs);
  }

  /**
   * Partitions whose leases another instance claimed (the runtime dropped their keys): they are no
   * longer this instance's, and are loaded from the store again if a join assigns them.
   */
  private forgetLost(partitions: readonly number[]): void {
    if (partitions.length === 0) return;
    const lost = new Set(partitions);
    for (const state of this.ownership.assigned()) {
      if (!lost.has(state.partition)) continue;
      state.owned = false;
      state.prepared = false;
      state.position = undefined;
      this.aligner.drop(state);
    }
  }

  /** Consumer lag: the end of the partition's log minus the next offset to process. */
  private updateLag(state: OwnedPartition): void {
    const highWatermark = this.aligner.highWatermark(state);
    if (state.position === undefined || highWatermark === undefined) return;
    const lag = highWatermark - state.position;
    this.metrics.consumerLag.set(
      { topic: state.topic, partition: String(state.partition) },
      lag > 0n ? Number(lag) : 0,
    );
  }

  /** Whether a partition should not be fetched now: its buffer is full, or the store falls behind. */
  private shouldPause(state: OwnedPartition): boolean {
    if (this.failed || this.backpressure.paused) return true;
    const buffered = this.aligner.buffered(state);
    const share = Math.max(
      2 * this.config.batchSize,
      Math.floor(this.config.maxBufferedMessages / Math.max(1, this.ownership.assigned().length)),
    );
    // Hysteresis: stop at the partition's share, fetch again once half of it is processed.
    return this.paused.has(state) ? buffered > share / 2 : buffered >= share;
  }

  private applyPause(state: OwnedPartition): void {
    const pause = this.shouldPause(state);
    if (pause === this.paused.has(state)) return;
    const target: TopicPartition[] = [{ topic: state.topic, partition: state.partition }];
    if (pause) {
      this.paused.add(state);
      this.consumer?.pause(target);
    } else {
      this.paused.delete(state);
      this.consumer?.resume(target);
    }
  }

  private applyPauses(): void {
    for (const state of this.ownership.assigned()) this.applyPause(state);
  }

  /** After a join: every buffer is empty, so nothing stays paused (unless the store asks for it). */
  private resumeAll(): void {
    const all: TopicPartition[] = [];
    for (const state of this.ownership.assigned())
      all.push({ topic: state.topic, partition: state.partition });
    this.paused.clear();
    this.consumer?.resume(all);
    this.applyPauses();
  }

  /**
   * Once the stream has gone quiet, checkpoints what was processed since the last checkpoint: the
   * runtime checkpoints as batches come, so the last ones of a burst would otherwise wait for the
   * next event (the store's offsets, and Kafka's lag, would stay behind).
   */
  private async checkpointWhenIdle(): Promise<void> {
    if (this.processedSinceCheckpoint === 0 || this.pumping !== undefined || this.aligner.size > 0) return;
    if (this.failed || this.stopping !== undefined || this.rebalancing) return;
    if (performance.now() - this.lastProcessedAt < this.config.offsetCommitIntervalMs) return;
    this.processedSinceCheckpoint = 0;
    try {
      await this.runtime.checkpoint();
    } catch (error) {
      this.fail(error, 'checkpointing an idle stream failed');
    }
  }

  /**
   * Copies the offsets the store holds (those checkpointed with the key states) to Kafka, for lag
   * monitoring and tools. Kafka never gets ahead of the store, so a new owner that found no offset
   * in the store would not skip events whose effect on the key states was never stored.
   */
  private async mirrorOffsets(): Promise<void> {
    const consumer = this.consumer;
    if (consumer === undefined || this.failed || this.stopping !== undefined || this.rebalancing) return;
    const offsets: Array<TopicPartition & { offset: string }> = [];
    try {
      for (const topic of this.config.topics) {
        for (const stored of await this.runtime.store.getOffsets(this.config.groupId, topic)) {
          const state = this.ownership.get(topic, stored.partition);
          if (state === undefined || !state.owned) continue;
          const key = `${topic}\u0000${stored.partition}`;
          if (this.mirrored.get(key) === stored.offset) continue;
          offsets.push({ topic, partition: stored.partition, offset: stored.offset });
        }
      }
      if (offsets.length === 0) return;
      await consumer.commitOffsets(offsets);
      for (const { topic, partition, offset } of offsets)
        this.mirrored.set(`${topic}\u0000${partition}`, offset);
    } catch (error) {
      // Only visibility suffers; the next round tries again.
      this.logger.debug({ err: error }, 'copying the stored offsets to Kafka failed');
    }
  }

  /**
   * Stops consumption for good: the runtime or the store failed, so memory may be ahead of the
   * store and no retry can be exact. What was not processed is fetched again after the restart.
   */
  private fail(error: unknown, what: string, where?: Where): void {
    if (this.failed) return;
    this.failed = true;
    const code = isKeywatchError(error) ? error.code : 'KW_ERR_STORE';
    this.logger.fatal(
      { err: error, code, ...where },
      `${what}: Kafka consumption stopped; restart Keywatch to resume from the store's offsets`,
    );
    this.applyPauses();
    // Stopping waits for the batch in hand, which may be the caller: do it once that has returned.
    setImmediate(() => {
      void this.stop().finally(() => this.onFatal?.(error));
    });
  }
}

/**
 * Starts consuming the configured topics into the runtime (see KafkaIngestion for the guarantees).
 * Resolves at once; connecting, joining the group and reconnecting happen in the background.
 *
 * @example
 * const source = await startKafkaSource({ runtime, config: config.kafka, logger, metrics,
 *   onFatal: () => process.exit(70) });
 * process.once('SIGTERM', () => void source.stop().then(() => runtime.close()));
 */
export async function startKafkaSource(options: KafkaSourceOptions): Promise<KafkaSource> {
  checkKafkaConfig(options.config);
  const ingestion = new KafkaIngestion(options);
  ingestion.start();
  return ingestion;
}
