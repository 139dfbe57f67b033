import type { Logger } from 'pino';
import { builtInDetectors } from '../../detectors/index.js';
import type { AnyDetector } from '../../detectors/types.js';
import type { KeywatchConfig } from '../config/load.js';
import type { PolicyInput } from '../config/schema.js';
import { KEY_STATE_FORMAT, type KeyStateSnapshot } from '../engine/engine.js';
import { describeClients } from '../engine/inventory.js';
import { Pipeline } from '../engine/pipeline.js';
import { PolicyResolver } from '../engine/policy.js';
import { prepareDetectors } from '../engine/registry.js';
import type { Alert, AlertChange } from '../engine/types.js';
import { parseIp } from '../enrich/network.js';
import { KeywatchError } from '../errors.js';
import type { Rejection } from '../events/types.js';
import type { KeywatchMetrics } from '../metrics.js';
import { leaseKey } from '../store/leases.js';
import type {
  AlertWrite,
  IngestBatchRecord,
  KeyCheckpoint,
  OffsetCheckpoint,
  OrgCheckpoint,
  OutboxMessage,
  PartitionLease,
  StatusOutbox,
  Store,
} from '../store/types.js';
import type { IngestResult, KeyProfile, KeySummary, KeywatchRuntime } from './types.js';

export interface RuntimeOptions {
  config: KeywatchConfig;
  store: Store;
  metrics: KeywatchMetrics;
  logger: Logger;
  detectors?: readonly AnyDetector[];
  /**
   * Turns the alert changes of a batch into webhook outbox messages, written in the same transaction
   * as the alerts (so a crash can neither lose a delivery nor deliver an alert that was not stored).
   */
  outbox?: (changes: readonly AlertChange[]) => OutboxMessage[];
  /** Webhook outbox messages for a person's resolution of an alert, written with the status change. */
  statusOutbox?: StatusOutbox;
  /** Name of this instance's event log stream (several instances may share one database). */
  instanceId?: string;
  /**
   * Consuming from Kafka: key states checkpointed with a partition are loaded when that partition is
   * assigned (assignPartitions), not at start-up, so that an instance never holds (and never closes
   * the episodes of) keys whose partitions another instance owns.
   */
  loadPartitionedKeysOnAssignment?: boolean;
}

/** What one commit writes besides the alert changes. */
interface CommitOptions {
  offsets?: OffsetCheckpoint[];
  ingestBatch?: IngestBatchRecord;
  /** The batch's accepted inputs, logged until the next checkpoint covers them. */
  logged?: unknown[];
  /** Checkpoint now, whatever the interval (shutdown, partition moves). */
  checkpoint?: boolean;
}

const LEARNING_EVENTS = 100;
/** Alerts past their retention are deleted with a checkpoint at most this often (event time). */
const ALERT_PRUNE_EVERY_MS = 6 * 3_600_000;
const LEARNING_MS = 7 * 24 * 3_600_000;

/**
 * The engine with its store: events in, state and alerts durably stored before the caller is
 * answered (or a Kafka offset committed), listeners told after the commit. Work is serialised
 * through one queue so state, alerts and offsets are committed in processing order.
 */
export class Runtime implements KeywatchRuntime {
  readonly store: Store;
  readonly pipeline: Pipeline;
  private readonly config: KeywatchConfig;
  private readonly metrics: KeywatchMetrics;
  private readonly logger: Logger;
  /** Metric label of the batch being processed: `kafka` (it has offsets) or `http`. */
  private source: 'http' | 'kafka' = 'http';
  private readonly listeners = new Set<(change: AlertChange) => void>();
  private readonly outbox: RuntimeOptions['outbox'];
  private readonly statusOutbox: StatusOutbox | undefined;
  /** Kafka partition of each key, when events come from Kafka (keys move with their partitions). */
  private readonly keyPartitions = new Map<string, number>();
  private readonly pendingAlerts = new Map<string, AlertWrite>();
  private pendingChanges: AlertChange[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stream: string;
  private readonly loadPartitionedKeysOnAssignment: boolean;
  private logSeq = 0;
  private batchesSinceCheckpoint = 0;
  /** Watermark of the last deletion of alerts past their retention. */
  private alertsPrunedAt = Number.NEGATIVE_INFINITY;
  private lastCheckpointAt = Date.now();
  /**
   * Leases this instance holds on Kafka partitions, by `leaseKey` (every commit is written under
   * them); `stale` once another instance has claimed the partition since.
   */
  private readonly leases = new Map<string, PartitionLease & { stale?: boolean }>();
  /** Partitions whose lease another instance took, not yet reported (takeLostPartitions). */
  private readonly lostPartitions = new Set<number>();
  /** Consumed offsets not yet covered by a checkpoint (the last one per partition). */
  private readonly pendingOffsets = new Map<string, OffsetCheckpoint>();
  private restored = false;
  private closed = false;
  /** Set when a commit failed: memory is ahead of the store, so the process must restart and recover. */
  private failure: unknown;
  private readonly fatalListeners = new Set<(error: unknown) => void>();

  private constructor(options: RuntimeOptions, policies: PolicyResolver) {
    this.config = options.config;
    this.store = options.store;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.outbox = options.outbox;
    this.statusOutbox = options.statusOutbox;
    this.stream = options.instanceId ?? 'default';
    this.loadPartitionedKeysOnAssignment = options.loadPartitionedKeysOnAssignment === true;
    this.pipeline = new Pipeline({
      config: options.config,
      detectors: prepareDetectors(options.detectors ?? builtInDetectors, options.config.detectors),
      policies,
      service: true,
      onChange: (change) => this.collect(change),
      onReject: (rejected) =>
        this.metrics.eventsRejected.inc({ source: this.source, reason: rejected.reason }),
      onDetectorError: (detector, error, event) => {
        this.metrics.detectorErrors.inc({ detector });
        this.logger.error({ err: error, detector, keyId: event.keyId }, 'detector failed on an event');
      },
    });
  }

  /** Opens the runtime: loads policies and restores every key's checkpoint from the store. */
  static async create(options: RuntimeOptions): Promise<Runtime> {
    const storedPolicies = await options.store.listPolicies();
    const policies = new PolicyResolver({
      ...options.config.policies,
      keys: { ...options.config.policies.keys, ...storedPolicies },
    });
    const runtime = new Runtime(options, policies);
    await runtime.restore();
    await runtime.replayEventLog();
    return runtime;
  }

  /**
   * Replays the batches logged after the last checkpoint (the service stopped without one, e.g.
   * SIGKILL): the engine arrives at exactly the state it had. Their alerts and webhook messages were
   * stored with them, so nothing is written or notified again until new events arrive.
   */
  private async replayEventLog(): Promise<void> {
    const entries = await this.store.readEventLog(this.stream);
    for (const entry of entries) {
      const inputs = JSON.parse(entry.events) as unknown[];
      for (let index = 0; index < inputs.length; index++) this.pipeline.ingest(inputs[index], index);
      this.pipeline.flush();
      this.logSeq = entry.seq;
      this.batchesSinceCheckpoint++;
    }
    for (const change of this.pendingChanges) {
      this.pipeline.engine.key(change.alert.keyId)?.episode?.takeNewTimeline();
    }
    this.pendingChanges = [];
    this.pipeline.engine.takeBatchKeys();
    if (entries.length > 0) {
      this.logger.info(
        { batches: entries.length },
        'replayed the event log written after the last checkpoint',
      );
    }
  }

  /** Restores key and org states (all, or those of the given Kafka partitions). */
  async restore(filter?: { partitions?: number[] }): Promise<number> {
    const engine = this.pipeline.engine;
    let reset = 0;
    for (const org of await this.store.loadOrgStates()) {
      if (org.version === KEY_STATE_FORMAT)
        engine.restoreOrg(org.orgId, org.state as Record<string, [number, unknown]>);
    }
    const all = await this.store.loadKeyStates(filter);
    const checkpoints =
      this.loadPartitionedKeysOnAssignment && filter === undefined
        ? all.filter((checkpoint) => checkpoint.partition === undefined)
        : all;
    for (const checkpoint of checkpoints) {
      if (checkpoint.version !== KEY_STATE_FORMAT) {
        reset++;
        continue;
      }
      const { resetDetectors } = engine.restoreKey(checkpoint.keyId, checkpoint.state as KeyStateSnapshot);
      if (resetDetectors.length > 0) reset++;
    }
    if (reset > 0) this.logger.warn({ keys: reset }, 'some key states had an older format and were reset');
    this.metrics.keysTracked.set(engine.keyCount);
    this.restored = true;
    this.logger.info({ keys: checkpoints.length }, 'key states restored');
    return checkpoints.length;
  }

  async ingest(events: unknown[], options: { idempotencyKey?: string } = {}): Promise<IngestResult> {
    const key = options.idempotencyKey;
    if (key === undefined) return this.serialise(() => this.processNow(events, {}));
    return this.serialise(async () => {
      const stored = await this.store.getIngestBatch(key);
      if (stored !== undefined) return JSON.parse(stored) as IngestResult;
      return this.processNow(events, { idempotencyKey: key });
    });
  }

  /**
   * Processes a batch consumed from Kafka. Its alerts are stored before it resolves; key states and
   * the consumed offsets are checkpointed together every few seconds (`store.checkpointIntervalMs`),
   * so after a crash the consumer resumes from the checkpointed offsets and re-processing yields the
   * same alerts (upserted by id). `partitionOf` names the partition of each key of the batch.
   */
  process(
    events: unknown[],
    offsets: OffsetCheckpoint[] | undefined,
    partitionOf?: (keyId: string) => number | undefined,
  ): Promise<IngestResult> {
    return this.serialise(() =>
      this.processNow(events, { ...(offsets ? { offsets } : {}), ...(partitionOf ? { partitionOf } : {}) }),
    );
  }

  private async processNow(
    events: unknown[],
    options: {
      offsets?: OffsetCheckpoint[];
      partitionOf?: (keyId: string) => number | undefined;
      idempotencyKey?: string;
    },
  ): Promise<IngestResult> {
    if (this.closed) throw new KeywatchError('KW_ERR_UNAVAILABLE', 'Keywatch is shutting down');
    if (this.failure !== undefined) throw new KeywatchError('KW_ERR_UNAVAILABLE', 'Keywatch must restart');
    this.source = options.offsets === undefined ? 'http' : 'kafka';
    const rejected: IngestResult['rejected'] = [];
    const acceptedInputs: unknown[] = [];
    for (let index = 0; index < events.length; index++) {
      const rejection: Rejection | undefined = this.pipeline.ingest(events[index], index);
      if (rejection === undefined) acceptedInputs.push(events[index]);
      else rejected.push({ index, reason: rejection.reason, message: rejection.message });
    }
    this.pipeline.flush();
    const batchKeys = this.pipeline.engine.takeBatchKeys();
    if (options.partitionOf !== undefined) {
      for (const keyId of batchKeys) {
        const partition = options.partitionOf(keyId);
        if (partition !== undefined) this.keyPartitions.set(keyId, partition);
      }
    }
    const accepted = acceptedInputs.length;
    this.metrics.eventsAccepted.inc({ source: this.source }, accepted);
    const result = { accepted, rejected };
    await this.commit({
      ...(options.offsets ? { offsets: options.offsets } : {}),
      ...(options.idempotencyKey !== undefined
        ? { ingestBatch: { id: options.idempotencyKey, result: JSON.stringify(result) } }
        : {}),
      // Kafka is the log of consumed events; what came in over HTTP is logged here.
      ...(options.offsets === undefined && accepted > 0 ? { logged: acceptedInputs } : {}),
    });
    return result;
  }

  async listKeys(options: {
    limit: number;
    after?: string;
  }): Promise<{ items: KeySummary[]; nextCursor: string | null }> {
    // Keys learned since the last checkpoint are only in memory; checkpointed keys of other
    // instances (Kafka partitions elsewhere) only in the store: page over both, merged in order.
    const stored = await this.store.listKeyIds({
      limit: options.limit + 1,
      ...(options.after ? { after: options.after } : {}),
    });
    const inMemory = this.pipeline.engine.sortedKeyIds();
    let from = 0;
    if (options.after !== undefined) {
      const after = options.after;
      let low = 0;
      let high = inMemory.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (inMemory[middle]! <= after) low = middle + 1;
        else high = middle;
      }
      from = low;
    }
    const ids = [...new Set([...stored, ...inMemory.slice(from, from + options.limit + 1)])]
      .sort()
      .slice(0, options.limit + 1);
    const page = ids.slice(0, options.limit);
    const items: KeySummary[] = [];
    for (const keyId of page) {
      const summary = await this.summary(keyId);
      if (summary) items.push(summary.summary);
    }
    return { items, nextCursor: ids.length > options.limit ? (page[page.length - 1] ?? null) : null };
  }

  async getKey(keyId: string): Promise<KeyProfile | undefined> {
    const found = await this.summary(keyId);
    if (found === undefined) return undefined;
    const { summary, snapshot } = found;
    const engine = this.pipeline.engine;
    const profile: Record<string, Record<string, unknown>> = {};
    for (const detector of engine.detectorList) {
      const saved = snapshot.detectors[detector.definition.id];
      if (saved === undefined || detector.definition.describeState === undefined) continue;
      profile[detector.definition.id] = detector.definition.describeState(saved[1], detector.prepared);
    }
    const policy = engine.policies.resolve(keyId, snapshot.orgId);
    return {
      ...summary,
      timezone: policy.timezone ?? snapshot.tz ?? 'UTC',
      profile,
      clients: describeClients(snapshot.clients),
      policy: engine.policies.keyPolicy(keyId) ?? {},
    };
  }

  putPolicy(keyId: string, policy: PolicyInput): Promise<PolicyInput> {
    return this.serialise(async () => {
      await this.store.putPolicy(keyId, policy);
      this.pipeline.engine.policies.setKeyPolicy(keyId, policy);
      return policy;
    });
  }

  async revokeKey(keyId: string): Promise<PolicyInput> {
    const current = this.pipeline.engine.policies.keyPolicy(keyId) ?? {};
    return this.putPolicy(keyId, { ...current, revoked: true });
  }

  async updateAlert(
    id: string,
    change: { status: 'acknowledged' | 'resolved' | 'false_positive' | 'open'; note?: string; actor: string },
  ): Promise<Alert | undefined> {
    const alert = await this.store.setAlertStatus(
      id,
      {
        status: change.status,
        ...(change.note !== undefined ? { note: change.note } : {}),
        actor: change.actor,
        at: new Date().toISOString(),
      },
      this.statusOutbox,
    );
    if (alert !== undefined && change.status === 'false_positive') await this.learnFalsePositive(alert);
    return alert;
  }

  onAlertChange(listener: (change: AlertChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once when a commit fails and the process must restart (see commit). */
  onFatal(listener: (error: unknown) => void): () => void {
    this.fatalListeners.add(listener);
    return () => this.fatalListeners.delete(listener);
  }

  async ready(): Promise<boolean> {
    if (!this.restored || this.closed || this.failure !== undefined) return false;
    try {
      await this.store.ping();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Kafka assigned these partitions to this instance: restore the checkpointed state of their keys
   * (written by whichever instance owned them before). Call before consuming from them.
   */
  assignPartitions(partitions: readonly number[]): Promise<number> {
    return this.serialise(async () => {
      const checkpoints = await this.store.loadKeyStates({ partitions: [...partitions] });
      const engine = this.pipeline.engine;
      for (const checkpoint of checkpoints) {
        if (checkpoint.version !== KEY_STATE_FORMAT) continue;
        engine.restoreKey(checkpoint.keyId, checkpoint.state as KeyStateSnapshot);
        if (checkpoint.partition !== undefined)
          this.keyPartitions.set(checkpoint.keyId, checkpoint.partition);
      }
      this.metrics.keysTracked.set(engine.keyCount);
      return checkpoints.length;
    });
  }

  /**
   * Kafka assigned these partitions of `topic` to this instance in consumer group `group`: takes
   * their leases in the store, so that an instance that owned them before (and may have stalled
   * without knowing it lost them) can no longer write their rows. Call before assignPartitions.
   */
  claimPartitions(group: string, topic: string, partitions: readonly number[]): Promise<void> {
    return this.serialise(async () => {
      for (const lease of await this.store.claimPartitions(group, topic, partitions, this.stream)) {
        this.leases.set(leaseKey(lease), lease);
        this.lostPartitions.delete(lease.partition);
      }
    });
  }

  /**
   * Partitions lost since the last call: another instance claimed them, so their writes were left
   * out of a commit and their keys dropped. The consumer should rejoin its group.
   */
  takeLostPartitions(): number[] {
    const lost = [...this.lostPartitions].sort((a, b) => a - b);
    this.lostPartitions.clear();
    return lost;
  }

  /**
   * Checkpoints every changed key state now, with the offsets it covers (before a rebalance, or once
   * a stream has gone quiet), so that whoever processes next starts exactly where this instance is.
   */
  checkpoint(): Promise<void> {
    return this.serialise(async () => {
      this.pipeline.flush();
      await this.commit({ checkpoint: true });
    });
  }

  /**
   * Kafka took these partitions away: commit what is pending, then forget their keys (the next
   * owner restores them from the store). Offsets already committed stay with the state.
   */
  revokePartitions(partitions: readonly number[]): Promise<number> {
    return this.serialise(async () => {
      this.pipeline.flush();
      await this.commit({ checkpoint: true });
      // Revoked partitions that another instance claimed first are not lost: they were going anyway.
      for (const partition of partitions) this.lostPartitions.delete(partition);
      const revoked = new Set(partitions);
      for (const [key, lease] of this.leases) if (revoked.has(lease.partition)) this.leases.delete(key);
      return this.forgetPartitions(revoked);
    });
  }

  /** Drops the keys of these partitions (revoked, or lost to another instance) and their pending offsets. */
  private forgetPartitions(partitions: ReadonlySet<number>): number {
    let dropped = 0;
    for (const [keyId, partition] of this.keyPartitions) {
      if (!partitions.has(partition)) continue;
      this.pipeline.engine.dropKey(keyId);
      this.keyPartitions.delete(keyId);
      dropped++;
    }
    for (const [key, offset] of this.pendingOffsets)
      if (partitions.has(offset.partition)) this.pendingOffsets.delete(key);
    this.metrics.keysTracked.set(this.pipeline.engine.keyCount);
    return dropped;
  }

  /** Stops taking work, commits what is pending. The store is closed by its owner. */
  async close(): Promise<void> {
    await this.serialise(async () => {
      this.pipeline.flush();
      if (this.failure === undefined) await this.commit({ checkpoint: true });
      this.closed = true;
    });
  }

  /** A false positive teaches the key: the networks of the alert become familiar (allowlisted) for it. */
  private async learnFalsePositive(alert: Alert): Promise<void> {
    const networks = new Set<string>();
    for (const ip of alert.ips) {
      const network = this.networkOf(ip);
      if (network !== undefined) networks.add(network);
    }
    if (networks.size === 0) return;
    const current = this.pipeline.engine.policies.keyPolicy(alert.keyId) ?? {};
    const allowCidrs = [...new Set([...(current.allowCidrs ?? []), ...networks])].slice(-256);
    await this.putPolicy(alert.keyId, { ...current, allowCidrs });
    this.logger.info(
      { keyId: alert.keyId, alertId: alert.id, networks: [...networks] },
      'false positive: networks now familiar',
    );
  }

  private networkOf(ip: string): string | undefined {
    return parseIp(ip)?.network;
  }

  private async summary(
    keyId: string,
  ): Promise<{ summary: KeySummary; snapshot: KeyStateSnapshot } | undefined> {
    const engine = this.pipeline.engine;
    let snapshot = engine.snapshotKey(keyId);
    if (snapshot === undefined) {
      const stored = await this.store.getKeyState(keyId);
      if (stored === undefined || stored.version !== KEY_STATE_FORMAT) return undefined;
      snapshot = stored.state as KeyStateSnapshot;
    }
    // Unused past its retention (in event time), a key is forgotten: its next event starts it afresh.
    // The sweep frees its memory and stored state only a margin later; until then it is hidden here.
    if (engine.pastRetention(snapshot.lastSeen)) return undefined;
    const alerts = await this.store.listAlerts({ keyId, limit: 100 });
    let risk = 0;
    let openAlerts = 0;
    for (const alert of alerts.items) {
      if (alert.status === 'resolved' || alert.status === 'false_positive' || alert.status === 'closed')
        continue;
      openAlerts++;
      risk = Math.max(risk, alert.score);
    }
    const learning = Math.min(
      1,
      Math.min(snapshot.events / LEARNING_EVENTS, (snapshot.lastSeen - snapshot.firstSeen) / LEARNING_MS),
    );
    const policy = engine.policies.resolve(keyId, snapshot.orgId);
    return {
      snapshot,
      summary: {
        keyId,
        orgId: snapshot.orgId ?? null,
        events: snapshot.events,
        firstSeen: new Date(snapshot.firstSeen).toISOString(),
        lastSeen: new Date(snapshot.lastSeen).toISOString(),
        learning: Math.round(Math.max(0, learning) * 100) / 100,
        risk,
        openAlerts,
        revoked: policy.revoked === true,
      },
    };
  }

  private collect(change: AlertChange): void {
    this.metrics.alerts.inc({ severity: change.alert.severity, kind: change.kind });
    this.pendingChanges.push(change);
  }

  /**
   * When due (every ALERT_PRUNE_EVERY_MS of event time), the instant before which alerts were last
   * seen long enough ago to be deleted: the watermark minus `store.alertRetentionDays`, and never less
   * than twice the episode quiet time, so that an episode still open keeps its alert.
   */
  private alertPruneCutoff(): string | undefined {
    const days = this.config.store.alertRetentionDays;
    const watermark = this.pipeline.engine.watermark;
    if (days === 0 || !Number.isFinite(watermark)) return undefined;
    if (watermark - this.alertsPrunedAt < ALERT_PRUNE_EVERY_MS) return undefined;
    this.alertsPrunedAt = watermark;
    const keepMs = Math.max(days * 86_400_000, 2 * this.config.engine.episodeQuietMinutes * 60_000);
    return new Date(watermark - keepMs).toISOString();
  }

  /** Whether the key states should be checkpointed with this commit. */
  private checkpointDue(): boolean {
    return (
      this.batchesSinceCheckpoint >= this.config.store.checkpointMaxBatches ||
      Date.now() - this.lastCheckpointAt >= this.config.store.checkpointIntervalMs
    );
  }

  /**
   * One transaction: the alerts changed and their new timeline entries, webhook messages, the batch's
   * event log entry or consumed offsets and, when a checkpoint is due, every key and org state changed
   * since the last one (with the offsets and the event log position they cover).
   */
  private async commit(options: CommitOptions): Promise<void> {
    const engine = this.pipeline.engine;
    const changes = this.pendingChanges;
    this.pendingChanges = [];
    const alerts = this.pendingAlerts;
    alerts.clear();
    for (const change of changes) {
      const episode = engine.key(change.alert.keyId)?.episode;
      const previous = alerts.get(change.alert.id);
      const newTimeline = episode?.alert.id === change.alert.id ? episode.takeNewTimeline() : [];
      const partition = this.keyPartitions.get(change.alert.keyId);
      alerts.set(change.alert.id, {
        alert: structuredClone(change.alert),
        newTimeline: [...(previous?.newTimeline ?? []), ...newTimeline],
        ...(partition !== undefined ? { partition } : {}),
      });
    }
    for (const offset of options.offsets ?? []) {
      this.pendingOffsets.set(`${offset.group}\u0000${offset.topic}\u0000${offset.partition}`, offset);
    }
    const eventLog =
      options.logged !== undefined
        ? { stream: this.stream, seq: ++this.logSeq, events: JSON.stringify(options.logged) }
        : undefined;
    if (options.logged !== undefined || options.offsets !== undefined) this.batchesSinceCheckpoint++;
    const checkpoint = options.checkpoint === true || this.checkpointDue();
    const keyStates: KeyCheckpoint[] = [];
    const orgStates: OrgCheckpoint[] = [];
    let offsets: OffsetCheckpoint[] = [];
    const forgottenKeys: Array<{ keyId: string; partition?: number }> = [];
    if (checkpoint) {
      const { keys, orgs, forgotten } = engine.takeChanges();
      for (const keyId of forgotten) {
        const partition = this.keyPartitions.get(keyId);
        this.keyPartitions.delete(keyId);
        forgottenKeys.push(partition === undefined ? { keyId } : { keyId, partition });
      }
      for (const keyId of keys) {
        const snapshot = engine.snapshotKey(keyId);
        if (snapshot === undefined) continue;
        const partition = this.keyPartitions.get(keyId);
        keyStates.push({
          keyId,
          ...(snapshot.orgId !== undefined ? { orgId: snapshot.orgId } : {}),
          version: KEY_STATE_FORMAT,
          // No copy: commits are serialised with processing, so the state cannot change before the
          // store has written it.
          state: snapshot,
          lastSeen: snapshot.lastSeen,
          ...(partition !== undefined ? { partition } : {}),
        });
      }
      for (const orgId of orgs)
        orgStates.push({ orgId, version: KEY_STATE_FORMAT, state: engine.snapshotOrg(orgId) });
      offsets = [...this.pendingOffsets.values()];
      this.pendingOffsets.clear();
    }
    const pruneAlertsBefore = checkpoint ? this.alertPruneCutoff() : undefined;
    // Each change carries the alert as it is stored (a copy), not the engine's live object.
    const storedChanges = changes.map((change) => ({
      ...change,
      alert: alerts.get(change.alert.id)?.alert ?? change.alert,
    }));
    const outbox = this.outbox !== undefined && storedChanges.length > 0 ? this.outbox(storedChanges) : [];
    if (
      alerts.size === 0 &&
      keyStates.length === 0 &&
      forgottenKeys.length === 0 &&
      orgStates.length === 0 &&
      offsets.length === 0 &&
      eventLog === undefined &&
      options.ingestBatch === undefined &&
      !checkpoint
    ) {
      return;
    }
    const timer = this.metrics.storeLatency.startTimer({ operation: checkpoint ? 'checkpoint' : 'commit' });
    let lost: ReadonlySet<number>;
    try {
      const result = await this.store.commit({
        alerts: [...alerts.values()],
        keyStates,
        ...(forgottenKeys.length > 0 ? { forgottenKeys } : {}),
        ...(pruneAlertsBefore !== undefined ? { pruneAlertsBefore } : {}),
        orgStates,
        ...(offsets.length > 0 ? { offsets } : {}),
        ...(options.ingestBatch ? { ingestBatch: options.ingestBatch } : {}),
        ...(outbox.length > 0 ? { outbox } : {}),
        ...(eventLog ? { eventLog } : {}),
        ...(checkpoint && this.logSeq > 0
          ? { logCheckpoint: { stream: this.stream, seq: this.logSeq } }
          : {}),
        ...(this.leases.size > 0 ? { leases: [...this.leases.values()] } : {}),
      });
      lost = new Set(result.lostPartitions);
      if (result.alertsPruned) {
        this.metrics.alertsPruned.inc(result.alertsPruned);
        this.logger.info(
          { alerts: result.alertsPruned, lastSeenBefore: pruneAlertsBefore },
          'deleted alerts past store.alertRetentionDays',
        );
      }
    } catch (error) {
      // The engine has processed what the store did not take: stop taking work; a restart recovers
      // from the last checkpoint and the event log (or the Kafka offsets) without loss.
      this.failure = error;
      this.logger.fatal({ err: error }, 'commit to the store failed: Keywatch must restart to recover');
      for (const listener of this.fatalListeners) listener(error);
      throw new KeywatchError('KW_ERR_UNAVAILABLE', 'The store failed; Keywatch is restarting');
    }
    if (checkpoint) {
      this.batchesSinceCheckpoint = 0;
      this.lastCheckpointAt = Date.now();
    }
    timer();
    this.metrics.keysTracked.set(engine.keyCount);
    if (engine.watermark > 0) this.metrics.processingLag.set((Date.now() - engine.watermark) / 1000);
    if (lost.size > 0) this.losePartitions(lost);
    for (const change of storedChanges) {
      if (lost.size > 0) {
        const partition = alerts.get(change.alert.id)?.partition;
        if (partition !== undefined && lost.has(partition)) continue;
      }
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (error) {
          this.logger.error({ err: error }, 'alert listener failed');
        }
      }
    }
  }

  /**
   * Another instance claimed these partitions: this one was taken out of the consumer group (it
   * stalled past its session timeout, say) and the commit left their rows out. Their keys are dropped:
   * the new owner goes on from the store, and this instance reloads them if it gets them back.
   */
  private losePartitions(partitions: ReadonlySet<number>): void {
    // The stale leases stay: until a new claim replaces them, every later commit is fenced off these
    // partitions too, whatever this instance goes on processing.
    const dropped = this.forgetPartitions(partitions);
    const news = new Set<number>();
    for (const lease of this.leases.values()) {
      if (!partitions.has(lease.partition) || lease.stale) continue;
      lease.stale = true;
      news.add(lease.partition);
    }
    for (const partition of partitions) this.lostPartitions.add(partition);
    if (news.size > 0)
      this.logger.warn(
        { partitions: [...news].sort((a, b) => a - b), keysDropped: dropped },
        'another instance has claimed these Kafka partitions: their writes were fenced off and their keys dropped',
      );
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
