import { DAY_TYPE_HOUR_BUCKETS, dayTypeHourBucket, otherDayTypeBucket } from './model.js';
import type { UsageSpikePrepared } from './prepare.js';
import { ACTIVE_MINUTES, FIRST_MINUTE, MEAN, METRICS, type RateRhythm, type UsageStats } from './state.js';

const HOUR_MS = 3_600_000;
const HOURS_PER_WEEK = 168;
/** Weight of one new hour in a bucket's rate: a weekday hour counts half after about three weeks' days. */
export const RHYTHM_ALPHA = 0.2;
/** A bucket learns a new hour's rate only up to this many times its current rate (or plus the level). */
const RHYTHM_MAX_RISE = 3;
/** A key gets a rhythm once its history spans a day… */
export const RHYTHM_AFTER_MINUTES = 1_440;
/** …and it was active in at least this many minutes, so keys with a handful of events stay small. */
export const RHYTHM_MIN_ACTIVE_MINUTES = 60;

/** Bucket of an instant in a zone. */
export function bucketAt(ts: number, timeZone: string, prepared: UsageSpikePrepared): number {
  return dayTypeHourBucket(prepared.localTime.hourOfWeek(ts, timeZone));
}

/**
 * Whether a key without a rhythm has earned one: seasonality on, a day of history, enough active
 * minutes.
 */
export function wantsRhythm(stats: UsageStats, minute: number, prepared: UsageSpikePrepared): boolean {
  return (
    prepared.seasonality &&
    minute - stats[FIRST_MINUTE]! >= RHYTHM_AFTER_MINUTES &&
    stats[ACTIVE_MINUTES]! >= RHYTHM_MIN_ACTIVE_MINUTES
  );
}

/** A rhythm with no hour seen yet; counting starts with the hour of `minute`. */
export function createRhythm(minute: number, timeZone: string, prepared: UsageSpikePrepared): RateRhythm {
  return {
    tz: timeZone,
    rates: METRICS.map(() => new Array<number>(DAY_TYPE_HOUR_BUCKETS).fill(-1)),
    hourSums: METRICS.map(() => 0),
    bucket: bucketAt(minute * 60_000, timeZone, prepared),
  };
}

/**
 * Closes the UTC hour `closedHour` (its sums become one observation of its bucket, bounded by the
 * level means of `stats`) and folds the empty hours before `nextHour` as zero-rate hours. A gap longer than a week folds only its last
 * week: every bucket is then visited and older zeros would not change the shape it has learned.
 */
export function closeHours(
  rhythm: RateRhythm,
  closedHour: number,
  nextHour: number,
  stats: UsageStats,
  prepared: UsageSpikePrepared,
): void {
  const closedBucket = bucketAt(closedHour * HOUR_MS, rhythm.tz, prepared);
  for (let metric = 0; metric < METRICS.length; metric++) {
    const rates = rhythm.rates[metric]!;
    const rate = rhythm.hourSums[metric]! / 60;
    const old = rates[closedBucket]!;
    if (old < 0) {
      rates[closedBucket] = rate;
    } else {
      // Winsorised: a burst hour raises its bucket by a bounded step, so one attack is not learned as usual.
      const cap = Math.max(RHYTHM_MAX_RISE * old, old + stats[MEAN + metric]!);
      rates[closedBucket] = old + RHYTHM_ALPHA * (Math.min(rate, cap) - old);
    }
    rhythm.hourSums[metric] = 0;
  }
  for (let hour = Math.max(closedHour + 1, nextHour - HOURS_PER_WEEK); hour < nextHour; hour++) {
    const bucket = bucketAt(hour * HOUR_MS, rhythm.tz, prepared);
    for (const rates of rhythm.rates) {
      const old = rates[bucket]!;
      rates[bucket] = old < 0 ? 0 : old * (1 - RHYTHM_ALPHA);
    }
  }
}

/** Usual per-minute rate of a metric in a bucket, from the other day type while unseen; -1 if unknown. */
export function rhythmRate(rhythm: RateRhythm, metric: number, bucket: number): number {
  const rates = rhythm.rates[metric]!;
  const rate = rates[bucket]!;
  return rate >= 0 ? rate : rates[otherDayTypeBucket(bucket)]!;
}

/**
 * Re-expresses the rhythm in the key's current zone (e.g. once the engine has inferred it), rotating
 * each day type's 24 hours by the offset difference at `ts`, so what was learned stays at the same
 * real times. Hours that cross midnight keep their day type: an approximation for one day a week.
 */
export function alignRhythm(
  rhythm: RateRhythm,
  timeZone: string,
  ts: number,
  prepared: UsageSpikePrepared,
): void {
  if (rhythm.tz === timeZone) return;
  const from = prepared.localTime.hourOfWeek(ts, rhythm.tz);
  const to = prepared.localTime.hourOfWeek(ts, timeZone);
  const shift = (((to - from) % 24) + 24) % 24;
  if (shift !== 0) {
    rhythm.rates = rhythm.rates.map((rates) =>
      rates.map((_, bucket) => {
        const block = bucket < 24 ? 0 : 24;
        return rates[block + ((bucket - block - shift + 24) % 24)]!;
      }),
    );
  }
  rhythm.tz = timeZone;
}
