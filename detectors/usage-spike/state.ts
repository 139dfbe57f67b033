/** Highest score of a key still learning (or within its recent peak): informational, never paged. */
export const LEARNING_SCORE_CEILING = 0.45;

/** Metrics of the detector, in the order of every per-metric array of the state. */
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
 * Per-key state of `usage-spike`: the minute being counted and, per metric (requests, bytes out,
 * errors), an EWMA level of per-minute values over finished minutes, empty minutes included.
 * Plain numbers and arrays only, so it survives a JSON checkpoint exactly.
 */
export interface UsageSpikeState {
  /** Minute being counted (epoch milliseconds / 60 000, floored); -1 before the first event. */
  minute: number;
  /** Minute of the key's first event; learning lasts `learningMinutes` from here. */
  firstMinute: number;
  /** Minutes that had at least one event. */
  activeMinutes: number;
  /** Requests, bytes out and errors counted so far in `minute`. */
  counts: number[];
  /** Highest score reported per metric during `minute`; 0 where nothing was reported. */
  reported: number[];
  /** EWMA mean per-minute value per metric; empty until the first minute is finished. */
  mean: number[];
  /** EWMA variance of the per-minute value per metric; empty until the first minute is finished. */
  variance: number[];
  /**
   * Per metric, the highest per-minute value of recent weeks (decayed with `peakHalfLifeDays`);
   * minutes that paged are not learned. Absent until the first minute is finished.
   */
  peak?: number[];
  /** Weekly rhythm, present once the key has a day of history with enough activity. */
  rhythm?: RateRhythm;
}

/** State of a key never seen. */
export function initialUsageSpikeState(): UsageSpikeState {
  return {
    minute: -1,
    firstMinute: -1,
    activeMinutes: 0,
    counts: [0, 0, 0],
    reported: [0, 0, 0],
    mean: [],
    variance: [],
  };
}
