/** Highest score of a key still learning (or within its recent peak): informational, never paged. */
export const LEARNING_SCORE_CEILING = 0.45;

/** Metrics of the detector, in the order of the per-metric slots of the state. */
export const METRICS = ['requests', 'bytesOut', 'errors'] as const;
export type MetricName = (typeof METRICS)[number];
export const REQUESTS = 0;
export const BYTES_OUT = 1;
export const ERRORS = 2;

/**
 * A key's weekly rhythm: for each metric, the mean per-minute rate of each local hour, weekdays and
 * weekends apart. Allocated only once a key has history, so keys with a handful of events stay small.
 */
export interface RateRhythm {
  /** IANA zone the buckets are expressed in (the key's zone when they were last aligned). */
  tz: string;
  /**
   * Per metric, 48 per-minute rates: local hours 0–23 of weekdays, then 24–47 of Saturdays and
   * Sundays; -1 where the hour has not been seen yet.
   */
  rates: number[][];
  /** Per metric, the sum over the finished minutes of the UTC hour being counted. */
  hourSums: number[];
  /** Bucket of the minute being counted. */
  bucket: number;
}

/**
 * A key's numbers, in one flat array (offsets below): every array or object costs V8 a header of 24
 * to 48 bytes, so a key with a handful of events is one array of 15 numbers (~170 bytes of heap).
 * Per-metric values take three slots each, in the order of `METRICS`.
 */
export type UsageStats = number[];

/** Minute being counted (epoch milliseconds / 60 000, floored); -1 before the first event. */
export const MINUTE = 0;
/** Minute of the key's first event; learning lasts `learningMinutes` from here. */
export const FIRST_MINUTE = 1;
/** Finished minutes that had at least one event. */
export const ACTIVE_MINUTES = 2;
/** Requests, bytes out and errors counted so far in the current minute. */
export const COUNT = 3;
/** EWMA mean per-minute value per metric over finished minutes, empty minutes included; 0 until one finished. */
export const MEAN = 6;
/** EWMA variance of the per-minute value per metric. */
export const VARIANCE = 9;
/**
 * Per metric, the highest per-minute value of recent weeks (decayed with `peakHalfLifeDays`, two
 * decimals); minutes that paged are not learned.
 */
export const PEAK = 12;
/** Slots of a key that reported nothing in its current minute. */
export const STATS_LENGTH = 15;
/**
 * Highest score reported per metric during the current minute: three more slots, present only in a
 * minute that reported something (most keys never do).
 */
export const REPORTED = 15;

/** A key whose weekly rhythm is known keeps it beside its numbers. */
export interface RhythmicUsageSpikeState {
  stats: UsageStats;
  rhythm: RateRhythm;
}

/**
 * Per-key state of `usage-spike`: the key's numbers (`UsageStats`), and once the key has a day of
 * history with enough activity, its weekly rhythm beside them. Plain numbers and arrays only, so it
 * survives a JSON checkpoint exactly.
 */
export type UsageSpikeState = UsageStats | RhythmicUsageSpikeState;

/** State of a key never seen. */
export function initialUsageSpikeState(): UsageSpikeState {
  return [-1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
}

/** The key's numbers. */
export function statsOf(state: UsageSpikeState): UsageStats {
  return Array.isArray(state) ? state : state.stats;
}

/** The key's weekly rhythm, once it has one. */
export function rhythmOf(state: UsageSpikeState): RateRhythm | undefined {
  return Array.isArray(state) ? undefined : state.rhythm;
}

/** The state with its numbers replaced by `stats`. */
export function withStats(state: UsageSpikeState, stats: UsageStats): UsageSpikeState {
  if (Array.isArray(state)) return stats;
  state.stats = stats;
  return state;
}

/** Highest score reported for a metric during the current minute; 0 when none was. */
export function reportedScore(stats: UsageStats, metric: number): number {
  return stats.length > REPORTED ? stats[REPORTED + metric]! : 0;
}
