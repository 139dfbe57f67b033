import type { DetectorContext, Finding } from '../../detectors/types.js';
import type { KeywatchConfig } from '../config/load.js';
import { KeywatchError } from '../errors.js';
import type { EnrichedEvent } from '../events/types.js';
import { Episode, type EpisodeSnapshot, type WeighedFinding } from './episode.js';
import { type ClientEntry, recordClient } from './inventory.js';
import { PolicyResolver } from './policy.js';
import type { PreparedDetector } from './registry.js';
import { combineScores } from './severity.js';
import type { AlertChange } from './types.js';

/** An organisation's learned state, shared by its keys (one object per org, not per key). */
export interface OrgRecord {
  readonly id: string;
  /** Per detector (registry order), its org-level state; undefined for detectors without one. */
  states: unknown[];
}

/**
 * Everything the engine keeps about one key. Kept small: the engine may track hundreds of thousands.
 * Times are whole seconds so they stay small integers in memory (milliseconds would each need a
 * boxed number); snapshots carry milliseconds.
 */
export interface KeyState {
  org: OrgRecord | undefined;
  events: number;
  firstSeenSec: number;
  lastSeenSec: number;
  /** Main time zone inferred from the key's locations (weighted majority vote). */
  tz: string | undefined;
  tzVotes: number;
  /** One state per detector, in registry order. */
  states: unknown[];
  /** Per detector: [weighted score, event time] of its latest finding, allocated on the first finding. */
  recent: number[] | undefined;
  episode: Episode | undefined;
  /** Who uses the key (only when the engine keeps an inventory). */
  clients: ClientEntry[] | undefined;
}

/** Version of the checkpoint format below (detector states carry their own versions). */
export const KEY_STATE_FORMAT = 'kw-key-1';

/** A key's state as plain JSON: what the store checkpoints and a restart restores. */
export interface KeyStateSnapshot {
  orgId?: string;
  events: number;
  firstSeen: number;
  lastSeen: number;
  tz?: string;
  tzVotes: number;
  /** Per detector id: [detector version, state]. */
  detectors: Record<string, [number, unknown]>;
  recent?: number[];
  episode?: EpisodeSnapshot;
  clients?: ClientEntry[];
}

/** Counters the engine keeps; shown in summaries and metrics. */
export interface EngineCounters {
  events: number;
  findings: number;
  detectorErrors: Record<string, number>;
}

export interface EngineOptions {
  config: KeywatchConfig;
  detectors: PreparedDetector[];
  /** Receives every alert change as it happens. */
  onChange: (change: AlertChange) => void;
  /** Receives a detector's exception (the event is still processed by the other detectors). */
  onDetectorError?: (detector: string, error: unknown, event: EnrichedEvent) => void;
  policies?: PolicyResolver;
  /** Remember which keys changed, for incremental checkpoints (serve, Kafka). */
  trackChanges?: boolean;
  /** Keep the inventory of clients per key (serve); replay does not need it. */
  inventory?: boolean;
}

const TZ_VOTE_CAP = 64;
const CLOSE_CHECK_INTERVAL_MS = 60_000;
/** How often (in event time) keys unused for longer than the retention are looked for. */
const RETENTION_SWEEP_INTERVAL_MS = 6 * 3_600_000;
/**
 * A sweep drops a key only this long after its retention ran out. What defines the result is the
 * check at the key's next event (keyState); the margin keeps a sweep from dropping a key that an
 * event arriving behind the watermark (other Kafka partitions ahead) would still have found.
 */
const RETENTION_SWEEP_MARGIN_MS = 7 * 86_400_000;

/**
 * The per-key engine: runs every detector over each event, combines the findings of a key that are
 * close in time into one risk, and turns them into alert episodes. Event time only: the same events
 * give the same alerts in replay, live, and after a restart.
 */
export class Engine {
  readonly counters: EngineCounters = { events: 0, findings: 0, detectorErrors: {} };
  readonly policies: PolicyResolver;
  private readonly keys = new Map<string, KeyState>();
  private readonly orgs = new Map<string, OrgRecord>();
  private readonly hasOrgDetectors: boolean;
  private readonly openEpisodes = new Map<string, KeyState>();
  private readonly detectors: PreparedDetector[];
  private readonly weights: number[];
  private readonly combineWindowMs: number;
  private readonly quietMs: number;
  private readonly retentionMs: number;
  private readonly openThreshold: number;
  private readonly limits;
  private readonly onChange: (change: AlertChange) => void;
  private readonly onDetectorError: EngineOptions['onDetectorError'];
  private readonly context: DetectorContext;
  private readonly pending: WeighedFinding[] = [];
  private readonly inventory: boolean;
  private readonly changedKeys: Set<string> | undefined;
  private readonly changedOrgs: Set<string> | undefined;
  private readonly batchKeys: Set<string> | undefined;
  private nextCloseCheck = Number.NEGATIVE_INFINITY;
  private nextRetentionSweep = Number.NEGATIVE_INFINITY;
  /** Keys forgotten since the last takeChanges (their stored state goes too); only with `trackChanges`. */
  private readonly forgottenKeys: Set<string> | undefined;
  private keySetVersion = 0;
  private sortedKeys: { version: number; ids: string[] } | undefined;
  private watermarkTs = Number.NEGATIVE_INFINITY;

  constructor(options: EngineOptions) {
    const { config, detectors } = options;
    this.detectors = detectors;
    this.weights = detectors.map((detector) => config.engine.detectorWeights[detector.definition.id] ?? 1);
    this.hasOrgDetectors = detectors.some((detector) => detector.definition.initialOrgState !== undefined);
    this.combineWindowMs = config.engine.combineWindowMinutes * 60_000;
    this.quietMs = config.engine.episodeQuietMinutes * 60_000;
    this.retentionMs = config.engine.keyRetentionDays * 86_400_000;
    this.openThreshold = config.engine.openThreshold;
    this.limits = {
      maxTimelineEntries: config.engine.maxTimelineEntries,
      maxAlertIps: config.engine.maxAlertIps,
      bands: config.engine.severity,
    };
    this.onChange = options.onChange;
    this.onDetectorError = options.onDetectorError;
    this.policies = options.policies ?? new PolicyResolver(config.policies);
    this.inventory = options.inventory === true;
    this.changedKeys = options.trackChanges ? new Set() : undefined;
    this.changedOrgs = options.trackChanges ? new Set() : undefined;
    this.batchKeys = options.trackChanges ? new Set() : undefined;
    this.forgottenKeys = options.trackChanges ? new Set() : undefined;
    this.context = {
      policy: { allowCidrs: [], allowCountries: [] },
      keyEvents: 0,
      keyFirstSeen: 0,
      timezone: 'UTC',
    };
  }

  /** The detectors in registry order. */
  get detectorList(): readonly PreparedDetector[] {
    return this.detectors;
  }

  /** Number of keys with state. */
  get keyCount(): number {
    return this.keys.size;
  }

  /** Latest event time processed. */
  get watermark(): number {
    return this.watermarkTs;
  }

  /** The state of one key, if tracked. */
  key(keyId: string): KeyState | undefined {
    return this.keys.get(keyId);
  }

  /** All tracked key ids. */
  keyIds(): IterableIterator<string> {
    return this.keys.keys();
  }

  /** Tracked key ids in sorted order (cached until a key is added or dropped), for paging. */
  sortedKeyIds(): readonly string[] {
    if (this.sortedKeys?.version !== this.keySetVersion) {
      this.sortedKeys = { version: this.keySetVersion, ids: [...this.keys.keys()].sort() };
    }
    return this.sortedKeys.ids;
  }

  /** The open or last episode of each key that has one. */
  *episodes(): IterableIterator<Episode> {
    for (const state of this.keys.values()) if (state.episode) yield state.episode;
  }

  /** Processes one valid, enriched event (in event-time order, as the reorder buffer releases them). */
  process(event: EnrichedEvent): void {
    this.counters.events++;
    const ts = event.ts;
    if (ts > this.watermarkTs) {
      this.watermarkTs = ts;
      if (ts >= this.nextCloseCheck) this.closeQuietEpisodes(ts);
    }
    const key = this.keyState(event);
    this.changedKeys?.add(event.keyId);
    this.batchKeys?.add(event.keyId);
    const org = key.org;
    if (org !== undefined) this.changedOrgs?.add(org.id);
    const policy = this.policies.resolve(event.keyId, org?.id);
    const geoTz = event.geo.timezone;
    if (geoTz !== null) this.voteTimezone(key, geoTz);

    const ctx = this.context;
    ctx.policy = policy;
    ctx.keyEvents = key.events;
    ctx.keyFirstSeen = key.firstSeenSec * 1000;
    ctx.timezone = policy.timezone ?? key.tz ?? 'UTC';

    const pending = this.pending;
    pending.length = 0;
    const detectors = this.detectors;
    for (let index = 0; index < detectors.length; index++) {
      const detector = detectors[index]!;
      let orgState: unknown;
      if (org !== undefined && detector.definition.initialOrgState) {
        orgState = org.states[index];
        if (orgState === undefined) {
          orgState = detector.definition.initialOrgState();
          org.states[index] = orgState;
        }
      }
      try {
        const result = detector.definition.evaluate(
          event,
          key.states[index],
          detector.prepared,
          ctx,
          orgState,
        );
        key.states[index] = result.state;
        if (result.orgState !== undefined && org !== undefined) org.states[index] = result.orgState;
        if (result.finding) this.weigh(key, index, result.finding, ts);
      } catch (error) {
        const id = detector.definition.id;
        this.counters.detectorErrors[id] = (this.counters.detectorErrors[id] ?? 0) + 1;
        this.onDetectorError?.(id, error, event);
      }
    }
    key.events++;
    const seconds = Math.floor(ts / 1000);
    if (seconds > key.lastSeenSec) key.lastSeenSec = seconds;
    if (this.inventory) key.clients = recordClient(key.clients, event);
    if (pending.length > 0) this.applyFindings(key, event);
  }

  /** Advances event time without an event (end of input, idle stream): closes quiet episodes. */
  advanceTo(ts: number): void {
    if (ts > this.watermarkTs) this.watermarkTs = ts;
    this.closeQuietEpisodes(this.watermarkTs);
  }

  /**
   * Keys (and orgs) changed since the last call, and keys forgotten since (past the retention, and
   * not used again since); only with `trackChanges`.
   */
  takeChanges(): { keys: string[]; orgs: string[]; forgotten: string[] } {
    const keys = [...(this.changedKeys ?? [])];
    const orgs = [...(this.changedOrgs ?? [])];
    const forgotten = [...(this.forgottenKeys ?? [])].filter((keyId) => !this.keys.has(keyId));
    this.changedKeys?.clear();
    this.changedOrgs?.clear();
    this.forgottenKeys?.clear();
    return { keys, orgs, forgotten };
  }

  /** Keys that processed events since the last call (one batch); only with `trackChanges`. */
  takeBatchKeys(): string[] {
    const keys = [...(this.batchKeys ?? [])];
    this.batchKeys?.clear();
    return keys;
  }

  /** A key's state as JSON for a checkpoint. */
  snapshotKey(keyId: string): KeyStateSnapshot | undefined {
    const key = this.keys.get(keyId);
    if (key === undefined) return undefined;
    const detectors: Record<string, [number, unknown]> = {};
    this.detectors.forEach((detector, index) => {
      detectors[detector.definition.id] = [detector.definition.version, key.states[index]];
    });
    return {
      ...(key.org !== undefined ? { orgId: key.org.id } : {}),
      events: key.events,
      firstSeen: key.firstSeenSec * 1000,
      lastSeen: key.lastSeenSec * 1000,
      ...(key.tz !== undefined ? { tz: key.tz } : {}),
      tzVotes: key.tzVotes,
      detectors,
      ...(key.recent !== undefined ? { recent: key.recent } : {}),
      ...(key.episode !== undefined ? { episode: key.episode.snapshot() } : {}),
      ...(key.clients !== undefined ? { clients: key.clients } : {}),
    };
  }

  /**
   * Restores a key from a checkpoint. A detector whose version changed starts that detector's state
   * afresh (and says so through the return value); the other detectors keep what they learned.
   */
  restoreKey(keyId: string, snapshot: KeyStateSnapshot): { resetDetectors: string[] } {
    if (snapshot === null || typeof snapshot !== 'object' || typeof snapshot.detectors !== 'object') {
      throw new KeywatchError(
        'KW_ERR_STATE_VERSION',
        `Checkpoint of key ${JSON.stringify(keyId)} is not readable`,
      );
    }
    const resetDetectors: string[] = [];
    const states = this.detectors.map((detector) => {
      const saved = snapshot.detectors[detector.definition.id];
      if (saved === undefined || saved[0] !== detector.definition.version) {
        resetDetectors.push(detector.definition.id);
        return detector.definition.initialState();
      }
      return saved[1];
    });
    const key: KeyState = {
      org: snapshot.orgId === undefined ? undefined : this.org(snapshot.orgId),
      events: snapshot.events,
      firstSeenSec: Math.floor(snapshot.firstSeen / 1000),
      lastSeenSec: Math.floor(snapshot.lastSeen / 1000),
      tz: snapshot.tz,
      tzVotes: snapshot.tzVotes,
      states,
      recent: snapshot.recent?.length === this.detectors.length * 2 ? snapshot.recent : undefined,
      episode: snapshot.episode ? Episode.restore(snapshot.episode, this.limits) : undefined,
      clients: snapshot.clients,
    };
    if (!this.keys.has(keyId)) this.keySetVersion++;
    this.keys.set(keyId, key);
    if (key.episode && key.episode.alert.status === 'open') this.openEpisodes.set(keyId, key);
    if (snapshot.lastSeen > this.watermarkTs) this.watermarkTs = snapshot.lastSeen;
    return { resetDetectors };
  }

  /** Org-level states as JSON, per detector id: [version, state]. */
  snapshotOrg(orgId: string): Record<string, [number, unknown]> {
    const out: Record<string, [number, unknown]> = {};
    this.detectors.forEach((detector, index) => {
      const state = this.orgs.get(orgId)?.states[index];
      if (state !== undefined) out[detector.definition.id] = [detector.definition.version, state];
    });
    return out;
  }

  /** Restores org-level states (detectors whose version changed start afresh). */
  restoreOrg(orgId: string, snapshot: Record<string, [number, unknown]>): void {
    this.detectors.forEach((detector, index) => {
      const saved = snapshot[detector.definition.id];
      if (saved !== undefined && saved[0] === detector.definition.version)
        this.org(orgId).states[index] = saved[1];
    });
  }

  /** Removes a key's state from memory (its partition moved to another instance). */
  dropKey(keyId: string): void {
    if (this.keys.delete(keyId)) this.keySetVersion++;
    this.openEpisodes.delete(keyId);
    this.changedKeys?.delete(keyId);
    this.batchKeys?.delete(keyId);
  }

  private keyState(event: EnrichedEvent): KeyState {
    let key = this.keys.get(event.keyId);
    // Unused for longer than the retention: forgotten, whether or not a sweep has dropped it yet (so
    // that the result never depends on when sweeps ran).
    if (key !== undefined && this.pastRetention(key.lastSeenSec * 1000, event.ts)) {
      this.forget(event.keyId, key);
      key = undefined;
    }
    if (key === undefined) {
      key = {
        org: event.orgId === undefined ? undefined : this.org(event.orgId),
        events: 0,
        firstSeenSec: Math.floor(event.ts / 1000),
        lastSeenSec: Math.floor(event.ts / 1000),
        tz: undefined,
        tzVotes: 0,
        states: this.detectors.map((detector) => detector.definition.initialState()),
        recent: undefined,
        episode: undefined,
        clients: undefined,
      };
      this.keys.set(event.keyId, key);
      this.keySetVersion++;
    } else if (key.org === undefined && event.orgId !== undefined) {
      key.org = this.org(event.orgId);
    }
    return key;
  }

  /** The shared record of an organisation (created on first use). */
  private org(orgId: string): OrgRecord {
    let org = this.orgs.get(orgId);
    if (org === undefined) {
      org = { id: orgId, states: this.hasOrgDetectors ? new Array(this.detectors.length) : [] };
      this.orgs.set(orgId, org);
    }
    return org;
  }

  /** Weighted majority vote with a cap, so a key's zone only moves after a sustained change. */
  private voteTimezone(key: KeyState, tz: string): void {
    if (key.tz === tz) {
      if (key.tzVotes < TZ_VOTE_CAP) key.tzVotes++;
    } else if (key.tzVotes <= 1) {
      key.tz = tz;
      key.tzVotes = 1;
    } else {
      key.tzVotes--;
    }
  }

  private weigh(key: KeyState, index: number, finding: Finding, ts: number): void {
    this.counters.findings++;
    const weighted = Math.min(1, Math.max(0, finding.score * this.weights[index]!));
    if (key.recent === undefined) key.recent = new Array(this.detectors.length * 2).fill(0);
    const recent = key.recent;
    const previousTs = recent[index * 2 + 1]!;
    const previous = ts - previousTs <= this.combineWindowMs ? recent[index * 2]! : 0;
    recent[index * 2] = Math.max(previous, weighted);
    recent[index * 2 + 1] = ts;
    this.pending.push({ finding, weighted });
  }

  /** Combined risk of the key's findings within the combine window (max per detector, then noisy-OR). */
  private riskAt(key: KeyState, ts: number): number {
    const recent = key.recent!;
    const scores: number[] = [];
    for (let index = 0; index < this.detectors.length; index++) {
      if (ts - recent[index * 2 + 1]! <= this.combineWindowMs) scores.push(recent[index * 2]!);
    }
    return combineScores(scores);
  }

  private applyFindings(key: KeyState, event: EnrichedEvent): void {
    const risk = this.riskAt(key, event.ts);
    const findings = this.pending.slice();
    const episode = key.episode;
    if (episode?.accepts(event.ts, this.quietMs)) {
      this.openEpisodes.set(event.keyId, key);
      this.onChange(episode.add(event, findings, risk, 'updated'));
      return;
    }
    if (risk < this.openThreshold) return;
    if (
      episode !== undefined &&
      episode.alert.status === 'open' &&
      event.ts - episode.lastFindingTs > this.quietMs
    ) {
      // The key's previous episode went quiet before this finding: close it now. The periodic check
      // may not have seen it yet (it runs as event time advances, and events of a Kafka partition that
      // lags behind the others come after that), and the new episode takes the key's place.
      this.closeEpisode(event.keyId, episode);
    }
    const opened = new Episode(event, this.limits);
    key.episode = opened;
    this.openEpisodes.set(event.keyId, key);
    this.onChange(opened.add(event, findings, risk, 'opened'));
  }

  private closeQuietEpisodes(now: number): void {
    this.nextCloseCheck = now + CLOSE_CHECK_INTERVAL_MS;
    for (const [keyId, key] of this.openEpisodes) {
      const episode = key.episode!;
      if (now - episode.lastFindingTs > this.quietMs) this.closeEpisode(keyId, episode);
    }
    if (now >= this.nextRetentionSweep) {
      this.nextRetentionSweep = now + RETENTION_SWEEP_INTERVAL_MS;
      for (const [keyId, key] of this.keys) {
        if (this.pastRetention(key.lastSeenSec * 1000 + RETENTION_SWEEP_MARGIN_MS, now))
          this.forget(keyId, key);
      }
    }
  }

  /**
   * Whether a key last seen at `lastSeenMs` is forgotten at event time `at` (default: the watermark),
   * being unused for longer than `engine.keyRetentionDays`.
   */
  pastRetention(lastSeenMs: number, at: number = this.watermarkTs): boolean {
    return at - lastSeenMs > this.retentionMs;
  }

  /** Forgets a key past the retention: its episode (long quiet by then) closes, its state goes. */
  private forget(keyId: string, key: KeyState): void {
    if (this.openEpisodes.has(keyId)) this.closeEpisode(keyId, key.episode!);
    this.dropKey(keyId);
    this.forgottenKeys?.add(keyId);
  }

  /** Closes a key's open episode after its quiet period, and reports the change. */
  private closeEpisode(keyId: string, episode: Episode): void {
    this.openEpisodes.delete(keyId);
    this.onChange(episode.close(this.quietMs));
  }
}
