import { rhythmRate } from './rhythm.js';
import { BYTES_OUT, COUNT, MEAN, type RateRhythm, REQUESTS, type UsageStats, VARIANCE } from './state.js';

/**
 * Expected per-minute value of a metric in the minute being counted: the recent level, or the usual
 * rate of this local hour when the weekly rhythm knows it to be higher (a daily peak is expected at
 * its hour; a quieter hour never lowers the bar below the recent level).
 */
export function expectedPerMinute(stats: UsageStats, rhythm: RateRhythm | undefined, metric: number): number {
  const level = stats[MEAN + metric]!;
  const usual = rhythm ? Math.max(level, rhythmRate(rhythm, metric, rhythm.bucket)) : level;
  if (metric !== BYTES_OUT) return usual;
  // Bytes are judged per call: more calls carrying the usual bytes each are a request burst (the
  // requests metric reports it), not a data-volume spike. Bytes-only exfiltration raises bytes per call.
  const requestLevel = stats[MEAN + REQUESTS]!;
  if (requestLevel <= 0) return usual;
  return Math.max(usual, stats[COUNT + REQUESTS]! * (level / requestLevel));
}

/**
 * Standard deviation of a metric's per-minute value around `expected`: the level's own variance,
 * scaled up with the expectation by the key's dispersion (variance / mean, so a peak hour is as noisy,
 * relatively, as the rest), and never below a Poisson count's (√expected) or 1.
 */
export function expectedSd(stats: UsageStats, metric: number, expected: number): number {
  const level = stats[MEAN + metric]!;
  const variance = stats[VARIANCE + metric]!;
  const dispersion = level > 1e-9 ? variance / level : 1;
  return Math.sqrt(Math.max(variance, dispersion * expected, expected, 1));
}
