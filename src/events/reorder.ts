import { KeywatchError } from '../errors.js';

const NOTHING: readonly never[] = Object.freeze([]);

/** Released entries at the head of the in-order lane are cut off once this many have piled up. */
const LANE_COMPACTION = 4096;

/**
 * Puts slightly out-of-order events back in event-time order. Events wait until the watermark (the
 * largest `ts` seen) is `allowedLatenessMs` past them, then leave in (`ts`, arrival) order; ties keep
 * arrival order, so the output is a pure function of the input order. An event older than one
 * already released is too late to be put in place: it is released at once and counted in
 * `lateCount`, never dropped. At the end of input, `drain()` releases the rest.
 *
 * Most events arrive in order, so they queue in an in-order lane (a plain FIFO: appending and taking
 * the head cost O(1)); only an event earlier than the lane's last one goes to a binary min-heap. Both
 * are kept in (`ts`, arrival) order, and events leave by merging their heads, which is exactly the
 * order one heap over all events would give. Both are parallel arrays (items, times, arrival numbers):
 * no per-event wrapper objects, and nothing allocated when nothing is released.
 *
 * @example
 * const buffer = new ReorderBuffer<{ ts: number }>({ allowedLatenessMs: 60_000 });
 * buffer.push({ ts: 120_000 }); // []
 * buffer.push({ ts: 100_000 }); // []
 * buffer.push({ ts: 200_000 }); // [{ ts: 100_000 }, { ts: 120_000 }]
 */
export class ReorderBuffer<T extends { ts: number }> {
  readonly allowedLatenessMs: number;
  // The in-order lane: entries before `laneHead` have left.
  private readonly laneItems: T[] = [];
  private readonly laneTimes: number[] = [];
  private readonly laneArrivals: number[] = [];
  private laneHead = 0;
  // The heap of events that came out of order.
  private readonly items: T[] = [];
  private readonly times: number[] = [];
  private readonly arrivals: number[] = [];
  private arrivalCount = 0;
  private maxTs = Number.NEGATIVE_INFINITY;
  private lastReleasedTs = Number.NEGATIVE_INFINITY;
  private late = 0;

  constructor(options: { allowedLatenessMs?: number } = {}) {
    const lateness = options.allowedLatenessMs ?? 60_000;
    if (!(lateness >= 0) || !Number.isFinite(lateness)) {
      throw new KeywatchError('KW_ERR_CONFIG_INVALID', 'The allowed lateness must be a finite number ≥ 0', {
        setting: 'reorderWindowSeconds',
      });
    }
    this.allowedLatenessMs = lateness;
  }

  /** The largest event time seen (`-Infinity` before the first event). */
  get watermark(): number {
    return this.maxTs;
  }

  /** Events released out of order because they came after later events had already left. */
  get lateCount(): number {
    return this.late;
  }

  /** Events waiting. */
  get size(): number {
    return this.items.length + this.laneItems.length - this.laneHead;
  }

  /**
   * Adds an event; returns the events that may now leave, oldest first. Pass `out` to collect them
   * into an array of your own (it is returned); otherwise an empty result is a shared frozen array.
   */
  push(event: T): readonly T[];
  push(event: T, out: T[]): T[];
  push(event: T, out?: T[]): readonly T[] {
    const ts = event.ts;
    if (ts < this.lastReleasedTs) {
      this.late++;
      const released = out ?? [];
      released.push(event);
      return released;
    }
    if (ts > this.maxTs) this.maxTs = ts;
    const laneTimes = this.laneTimes;
    if (this.laneHead === laneTimes.length || ts >= laneTimes[laneTimes.length - 1]!) {
      this.laneItems.push(event);
      laneTimes.push(ts);
      this.laneArrivals.push(this.arrivalCount++);
    } else {
      this.insert(event, ts);
    }
    const horizon = this.maxTs - this.allowedLatenessMs;
    if (this.firstTime() > horizon) return out ?? NOTHING;
    const released = out ?? [];
    while (this.size > 0 && this.firstTime() <= horizon) released.push(this.removeFirst());
    return released;
  }

  /** Releases every waiting event in order (end of input). */
  drain(): readonly T[];
  drain(out: T[]): T[];
  drain(out?: T[]): readonly T[] {
    if (this.size === 0) return out ?? NOTHING;
    const released = out ?? [];
    while (this.size > 0) released.push(this.removeFirst());
    return released;
  }

  /** Time of the next event to leave; `Infinity` when none waits. */
  private firstTime(): number {
    const laneTs = this.laneHead < this.laneTimes.length ? this.laneTimes[this.laneHead]! : Infinity;
    const heapTs = this.times.length > 0 ? this.times[0]! : Infinity;
    return Math.min(laneTs, heapTs);
  }

  /** Takes the next event in (`ts`, arrival) order from the lane or the heap; one must be non-empty. */
  private removeFirst(): T {
    const head = this.laneHead;
    if (head < this.laneTimes.length) {
      const laneTs = this.laneTimes[head]!;
      const heapFirst =
        this.times.length > 0 &&
        (this.times[0]! < laneTs ||
          (this.times[0] === laneTs && this.arrivals[0]! < this.laneArrivals[head]!));
      if (!heapFirst) return this.takeLaneHead();
    }
    return this.removeHeapTop();
  }

  private takeLaneHead(): T {
    const head = this.laneHead;
    const item = this.laneItems[head]!;
    this.lastReleasedTs = this.laneTimes[head]!;
    this.laneHead = head + 1;
    if (this.laneHead === this.laneTimes.length) {
      this.laneItems.length = 0;
      this.laneTimes.length = 0;
      this.laneArrivals.length = 0;
      this.laneHead = 0;
    } else if (this.laneHead >= LANE_COMPACTION) {
      this.laneItems.splice(0, this.laneHead);
      this.laneTimes.splice(0, this.laneHead);
      this.laneArrivals.splice(0, this.laneHead);
      this.laneHead = 0;
    } else {
      // Drop the reference so a released event can be collected while the lane still holds others.
      (this.laneItems as Array<T | undefined>)[head] = undefined;
    }
    return item;
  }

  private before(a: number, b: number): boolean {
    const times = this.times;
    return times[a]! < times[b]! || (times[a] === times[b] && this.arrivals[a]! < this.arrivals[b]!);
  }

  private swap(a: number, b: number): void {
    const { items, times, arrivals } = this;
    const item = items[a]!;
    items[a] = items[b]!;
    items[b] = item;
    const time = times[a]!;
    times[a] = times[b]!;
    times[b] = time;
    const arrival = arrivals[a]!;
    arrivals[a] = arrivals[b]!;
    arrivals[b] = arrival;
  }

  private insert(event: T, ts: number): void {
    let index = this.items.length;
    this.items.push(event);
    this.times.push(ts);
    this.arrivals.push(this.arrivalCount++);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  private removeHeapTop(): T {
    const { items, times, arrivals } = this;
    const first = items[0]!;
    this.lastReleasedTs = times[0]!;
    const lastItem = items.pop()!;
    const lastTime = times.pop()!;
    const lastArrival = arrivals.pop()!;
    const length = items.length;
    if (length > 0) {
      items[0] = lastItem;
      times[0] = lastTime;
      arrivals[0] = lastArrival;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= length) break;
        const right = left + 1;
        const child = right < length && this.before(right, left) ? right : left;
        if (!this.before(child, index)) break;
        this.swap(child, index);
        index = child;
      }
    }
    return first;
  }
}
