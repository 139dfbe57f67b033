import { meanAfterZeros, nextMean, nextVariance, varianceAfterZeros } from './model.js';
import { decayOver, type UsageSpikePrepared } from './prepare.js';
import { alignRhythm, bucketAt, closeHours, createRhythm, wantsRhythm } from './rhythm.js';
import {
  ACTIVE_MINUTES,
  COUNT,
  FIRST_MINUTE,
  LEARNING_SCORE_CEILING,
  MEAN,
  METRICS,
  MINUTE,
  PEAK,
  reportedScore,
  rhythmOf,
  STATS_LENGTH,
  statsOf,
  type UsageSpikeState,
  type UsageStats,
  VARIANCE,
  withStats,
} from './state.js';

/**
 * Moves the key to minute `next` (later than the current one): the finished minute is learned, the
 * `k` empty minutes between are folded in closed form (cost independent of `k`), the weekly rhythm
 * closes the hours that ended, and the counters restart. Returns the state, a new one when the key
 * has just earned its rhythm or leaves a minute that reported something.
 */
export function advanceToMinute(
  state: UsageSpikeState,
  next: number,
  prepared: UsageSpikePrepared,
  timeZone: string,
): UsageSpikeState {
  let stats = statsOf(state);
  const finished = stats[MINUTE]!;
  if (finished < 0) {
    stats[MINUTE] = next;
    stats[FIRST_MINUTE] = next;
    return state;
  }
  const learning = finished - stats[FIRST_MINUTE]! < prepared.learningMinutes;
  learnPeak(stats, next - finished, learning, prepared);
  learnMinute(stats, learning, prepared);
  stats[ACTIVE_MINUTES]!++;

  const emptyMinutes = next - finished - 1;
  if (emptyMinutes > 0) foldEmptyMinutes(stats, emptyMinutes, prepared);

  const finishedHour = Math.floor(finished / 60);
  const nextHour = Math.floor(next / 60);
  let rhythm = rhythmOf(state);
  if (rhythm) {
    for (let metric = 0; metric < METRICS.length; metric++) {
      rhythm.hourSums[metric]! += stats[COUNT + metric]!;
    }
    if (nextHour > finishedHour) closeHours(rhythm, finishedHour, nextHour, stats, prepared);
  } else if (nextHour > finishedHour && wantsRhythm(stats, next, prepared)) {
    rhythm = createRhythm(next, timeZone, prepared);
    state = { stats, rhythm };
  }

  stats[MINUTE] = next;
  for (let metric = 0; metric < METRICS.length; metric++) stats[COUNT + metric] = 0;
  // The scores reported in the finished minute are forgotten with it.
  if (stats.length > STATS_LENGTH) {
    stats = stats.slice(0, STATS_LENGTH);
    state = withStats(state, stats);
  }
  if (rhythm) {
    alignRhythm(rhythm, timeZone, next * 60_000, prepared);
    rhythm.bucket = bucketAt(next * 60_000, rhythm.tz, prepared);
  }
  return state;
}

/**
 * Learns the finished minute (the counts of `stats`). The first minute starts the level (variance
 * as for a Poisson count); later minutes far above the level are winsorised: the mean learns at most
 * `zThreshold` standard deviations of rise, and the variance learns that clipped rise with a weight
 * that shrinks as the outlier grows, so a burst barely moves the baseline. Minutes below the level
 * are learned whole: quiet minutes are exactly what the level must follow. No clipping while the key
 * is learning.
 */
export function learnMinute(stats: UsageStats, learning: boolean, prepared: UsageSpikePrepared): void {
  if (stats[ACTIVE_MINUTES] === 0) {
    for (let metric = 0; metric < METRICS.length; metric++) {
      stats[MEAN + metric] = stats[COUNT + metric]!;
      stats[VARIANCE + metric] = stats[COUNT + metric]!;
    }
    return;
  }
  for (let metric = 0; metric < METRICS.length; metric++) {
    const mean = stats[MEAN + metric]!;
    const variance = stats[VARIANCE + metric]!;
    let residual = stats[COUNT + metric]! - mean;
    let varianceAlpha = prepared.alpha;
    if (!learning) {
      const limit = prepared.zThreshold * Math.sqrt(Math.max(variance, mean, 1));
      if (residual > limit) {
        varianceAlpha *= limit / residual;
        residual = limit;
      }
    }
    stats[MEAN + metric] = nextMean(mean, residual, prepared.alpha);
    stats[VARIANCE + metric] = nextVariance(variance, residual, varianceAlpha);
  }
}

/**
 * Remembers the highest minute of recent weeks per metric, decayed over the `elapsed` minutes until
 * the next counted one.
 */
export function learnPeak(
  stats: UsageStats,
  elapsed: number,
  learning: boolean,
  prepared: UsageSpikePrepared,
): void {
  const decay = decayOver(prepared.peakRetentionPowers, prepared.peakRetention, elapsed);
  for (let metric = 0; metric < METRICS.length; metric++) {
    const value = stats[COUNT + metric]!;
    const current = stats[PEAK + metric]!;
    // A minute that paged is not learned: a ten-minute attack must not become the new normal. Nor is
    // a settled key's minute far above both its peak and its level (an outlier that stayed under the
    // floors): a burst that ramps up (6 failed calls, then 11, then 16) must not lift the peak it is
    // compared with minute by minute. Usual peaks, within peakFactor of the last, are learned.
    const outlier =
      !learning &&
      value > prepared.peakFactors[metric]! * current &&
      value - stats[MEAN + metric]! > prepared.zThreshold * Math.sqrt(Math.max(stats[VARIANCE + metric]!, 1));
    const learned = outlier || reportedScore(stats, metric) > LEARNING_SCORE_CEILING ? current : value;
    // Two decimals keep the checkpoint small; peaks are compared with a factor, not exactly.
    stats[PEAK + metric] = Math.round(Math.max(current, learned) * decay * 100) / 100;
  }
}

/** Folds `count` minutes without events: the closed form of learning `count` zeros in a row. */
export function foldEmptyMinutes(stats: UsageStats, count: number, prepared: UsageSpikePrepared): void {
  const decay = decayOver(prepared.retentionPowers, prepared.retention, count);
  for (let metric = 0; metric < METRICS.length; metric++) {
    const mean = stats[MEAN + metric]!;
    stats[VARIANCE + metric] = varianceAfterZeros(stats[VARIANCE + metric]!, mean, decay);
    stats[MEAN + metric] = meanAfterZeros(mean, decay);
  }
}
