import type { Random } from './random.js';
import type { CanonicalEvent } from './types.js';

/** An event before its time is written out: `ts` and `requestId` are filled by the sink. */
export type PendingEvent = CanonicalEvent;

/**
 * Collects generated events in any order with their event times, gives each a unique request id,
 * and hands them back sorted by time with `ts` as ISO strings. Times live in a parallel array, so
 * sorting compares numbers, not strings.
 */
export class EventSink {
  private readonly events: PendingEvent[] = [];
  private readonly times: number[] = [];

  constructor(private readonly rng: Random) {}

  /** Number of events collected so far. */
  get size(): number {
    return this.events.length;
  }

  /** Adds one event at `time` (epoch ms); its `ts` and `requestId` are overwritten. */
  emit(time: number, event: PendingEvent): void {
    // The counter suffix makes ids unique by construction; the random part makes them look real.
    event.requestId = `${this.rng.hex(16)}-${this.events.length.toString(16).padStart(8, '0')}`;
    this.events.push(event);
    this.times.push(Math.round(time));
  }

  /** Events sorted by time (ties keep emission order), `ts` as ISO-8601 UTC. */
  finish(): CanonicalEvent[] {
    const order = sortedOrder(this.times);
    const sorted: CanonicalEvent[] = new Array(order.length);
    // Sorted events share their minute with their neighbours: format it once per minute.
    let minute = Number.NaN;
    let minutePrefix = '';
    for (let i = 0; i < order.length; i++) {
      const index = order[i] as number;
      const event = this.events[index] as PendingEvent;
      const time = this.times[index] as number;
      const eventMinute = Math.floor(time / 60_000);
      if (eventMinute !== minute) {
        minute = eventMinute;
        minutePrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
      }
      const withinMinute = time - minute * 60_000;
      const millis = withinMinute % 1000;
      event.ts = `${minutePrefix}${TWO_DIGITS[(withinMinute - millis) / 1000]}.${THREE_DIGITS[millis]}Z`;
      sorted[i] = event;
    }
    return sorted;
  }
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Indices of `times` in ascending time order, ties by index. When (time − min) and the index fit
 * together in a float's 53-bit mantissa, they are packed into one number and sorted natively,
 * which is several times faster than sorting with a comparator.
 */
export function sortedOrder(times: readonly number[]): Uint32Array {
  const count = times.length;
  const order = new Uint32Array(count);
  if (count === 0) return order;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const time of times) {
    if (time < min) min = time;
    if (time > max) max = time;
  }
  const indexScale = 2 ** Math.ceil(Math.log2(count + 1));
  if ((max - min + 1) * indexScale < Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(count);
    for (let i = 0; i < count; i++) keys[i] = ((times[i] as number) - min) * indexScale + i;
    keys.sort();
    for (let i = 0; i < count; i++) order[i] = (keys[i] as number) % indexScale;
    return order;
  }
  for (let i = 0; i < count; i++) order[i] = i;
  return order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
}
