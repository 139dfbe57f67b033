import type { SourceMessage } from './kafka-client.js';
import type { OwnedPartition } from './partition-ownership.js';

export interface EventTimeAlignerOptions {
  /**
   * Process across partitions in record-timestamp order, with this much event time of tolerance
   * (larger: fewer, longer runs per partition); 0 processes in the order batches arrive.
   */
  windowMs: number;
  /** How long to wait for a partition that has messages to deliver but has not delivered them. */
  waitMs: number;
}

/** What the aligner holds for one assigned partition. */
interface Lane {
  readonly owner: OwnedPartition;
  messages: SourceMessage[];
  /** Record timestamps of `messages` (parsed once). */
  times: number[];
  head: number;
  /** Next offset not buffered yet; undefined before the first batch. */
  endOffset: bigint | undefined;
  highWatermark: bigint | undefined;
  /** Timestamp of the last message buffered: a lower bound of what the partition delivers next. */
  lastTs: number;
  waitingSince: number | undefined;
  /** Waited for in vain: not waited for again until it delivers. */
  idle: boolean;
}

/** The next messages to process: a run of one partition, in offset order. */
export interface AlignedRun {
  owner: OwnedPartition;
  messages: SourceMessage[];
}

/** Nothing can be processed before this wall-clock time (a partition is being waited for). */
export interface AlignerWait {
  waitUntil: number;
}

const COMPACT_AFTER = 4096;

/**
 * Buffers the batches of the assigned partitions and hands them out in runs, merging the
 * partitions by record timestamp (the event time when producers set it, as most log shippers do).
 * Kafka orders messages only within a partition; catching up on a backlog, a consumer would
 * otherwise process one partition days ahead of another, and what detectors learn across keys (an
 * organisation's profile) would see the future. A run of partition `q` goes up to the earliest
 * next timestamp of the other partitions plus `windowMs`; a partition that has messages to deliver
 * but has not delivered them is waited for up to `waitMs`, then no longer (it may be empty). A
 * partition that has delivered everything up to its high watermark is not waited for, so live
 * traffic is never held back.
 *
 * @example
 * aligner.reset(ownership.assigned());
 * aligner.add(owner, batch.messages, batch.highWatermark);
 * const next = aligner.next(Date.now(), 1000); // a run, a wait, or undefined when empty
 */
export class EventTimeAligner {
  private readonly windowMs: number;
  private readonly waitMs: number;
  private lanes: Lane[] = [];
  private readonly byOwner = new Map<OwnedPartition, Lane>();
  /** Without alignment, lanes take turns from here. */
  private turn = 0;

  constructor(options: EventTimeAlignerOptions) {
    this.windowMs = options.windowMs;
    this.waitMs = options.waitMs;
  }

  /** A new assignment: drops everything buffered (it is fetched again from the processed position). */
  reset(owners: readonly OwnedPartition[]): void {
    this.byOwner.clear();
    this.lanes = owners.map((owner) => {
      const lane: Lane = {
        owner,
        messages: [],
        times: [],
        head: 0,
        endOffset: undefined,
        highWatermark: undefined,
        lastTs: Number.NEGATIVE_INFINITY,
        waitingSince: undefined,
        idle: false,
      };
      this.byOwner.set(owner, lane);
      return lane;
    });
  }

  /**
   * What is known of a partition before it delivers: where consumption starts and where its log
   * ends. A partition with nothing to deliver is then not waited for.
   */
  expect(owner: OwnedPartition, start: bigint, highWatermark: bigint): void {
    const lane = this.byOwner.get(owner);
    if (lane === undefined || lane.endOffset !== undefined) return;
    lane.endOffset = start;
    lane.highWatermark = highWatermark;
  }

  /** Forgets what is buffered for one partition (after a seek). */
  drop(owner: OwnedPartition): void {
    const lane = this.byOwner.get(owner);
    if (lane === undefined) return;
    lane.messages = [];
    lane.times = [];
    lane.head = 0;
    lane.endOffset = undefined;
  }

  /** Buffers the messages of a delivered batch that are neither buffered nor processed yet; returns how many. */
  add(owner: OwnedPartition, messages: readonly SourceMessage[], highWatermark: string): number {
    const lane = this.byOwner.get(owner);
    if (lane === undefined || messages.length === 0) return 0;
    lane.highWatermark = BigInt(highWatermark);
    lane.idle = false;
    lane.waitingSince = undefined;
    let from = lane.endOffset ?? owner.position;
    if (owner.position !== undefined && from !== undefined && owner.position > from) from = owner.position;
    // Offsets ascend: only the head of a batch can hold messages already buffered or processed.
    let index = 0;
    if (from !== undefined) while (index < messages.length && BigInt(messages[index]!.offset) < from) index++;
    const added = messages.length - index;
    for (; index < messages.length; index++) {
      const message = messages[index]!;
      const ts = this.windowMs === 0 ? 0 : Number(message.timestamp);
      // A missing or odd timestamp keeps the partition's order rather than jumping ahead.
      const time = Number.isFinite(ts) ? ts : lane.lastTs;
      lane.messages.push(message);
      lane.times.push(time);
      if (time > lane.lastTs) lane.lastTs = time;
    }
    const last = messages[messages.length - 1]!;
    const end = BigInt(last.offset) + 1n;
    if (lane.endOffset === undefined || end > lane.endOffset) lane.endOffset = end;
    return added;
  }

  /** Messages buffered for a partition and not handed out yet. */
  buffered(owner: OwnedPartition): number {
    const lane = this.byOwner.get(owner);
    return lane === undefined ? 0 : lane.messages.length - lane.head;
  }

  /** The end of the partition's log as of its latest batch. */
  highWatermark(owner: OwnedPartition): bigint | undefined {
    return this.byOwner.get(owner)?.highWatermark;
  }

  /** Total messages buffered. */
  get size(): number {
    let size = 0;
    for (const lane of this.lanes) size += lane.messages.length - lane.head;
    return size;
  }

  /**
   * The next run to process (at most `maxCount` messages), a wait for a partition that is expected
   * to deliver, or undefined when nothing is buffered.
   */
  next(now: number, maxCount: number): AlignedRun | AlignerWait | undefined {
    if (this.windowMs === 0) return this.nextInTurn(maxCount);
    for (;;) {
      let first: Lane | undefined;
      for (const lane of this.lanes) {
        if (
          lane.head < lane.messages.length &&
          (first === undefined || lane.times[lane.head]! < first.times[first.head]!)
        )
          first = lane;
      }
      if (first === undefined) return undefined;
      let bound = Number.POSITIVE_INFINITY;
      const blockers: Lane[] = [];
      const firstTs = first.times[first.head]!;
      for (const lane of this.lanes) {
        if (lane === first) continue;
        if (lane.head < lane.messages.length) {
          if (lane.times[lane.head]! < bound) bound = lane.times[lane.head]!;
          continue;
        }
        if (!this.pending(lane)) continue;
        if (lane.lastTs < bound) bound = lane.lastTs;
        if (lane.lastTs + this.windowMs < firstTs) blockers.push(lane);
      }
      if (blockers.length === 0) return this.take(first, bound + this.windowMs, maxCount);
      let waitUntil = Number.POSITIVE_INFINITY;
      let gaveUp = false;
      for (const lane of blockers) {
        lane.waitingSince ??= now;
        if (now - lane.waitingSince >= this.waitMs) {
          lane.idle = true;
          gaveUp = true;
        } else {
          waitUntil = Math.min(waitUntil, lane.waitingSince + this.waitMs);
        }
      }
      if (!gaveUp) return { waitUntil };
    }
  }

  /** A partition with nothing buffered that is expected to deliver more: behind its high watermark. */
  private pending(lane: Lane): boolean {
    if (lane.idle) return false;
    if (lane.endOffset === undefined || lane.highWatermark === undefined) return true;
    return lane.endOffset < lane.highWatermark;
  }

  private nextInTurn(maxCount: number): AlignedRun | undefined {
    for (let step = 0; step < this.lanes.length; step++) {
      const lane = this.lanes[(this.turn + step) % this.lanes.length]!;
      if (lane.head < lane.messages.length) {
        this.turn = (this.turn + step + 1) % this.lanes.length;
        return this.take(lane, Number.POSITIVE_INFINITY, maxCount);
      }
    }
    return undefined;
  }

  private take(lane: Lane, limit: number, maxCount: number): AlignedRun {
    const start = lane.head;
    let end = start + 1;
    const stop = Math.min(lane.messages.length, start + maxCount);
    while (end < stop && lane.times[end]! <= limit) end++;
    const messages = lane.messages.slice(start, end);
    lane.head = end;
    if (lane.head === lane.messages.length) {
      lane.messages = [];
      lane.times = [];
      lane.head = 0;
    } else if (lane.head >= COMPACT_AFTER) {
      lane.messages.splice(0, lane.head);
      lane.times.splice(0, lane.head);
      lane.head = 0;
    }
    return { owner: lane.owner, messages };
  }
}
