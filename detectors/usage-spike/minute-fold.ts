import { meanAfterZeros, nextMean, nextVariance, varianceAfterZeros } from './model.js';
import type { UsageSpikePrepared } from './prepare.js';
import { alignRhythm, bucketAt, closeHours, createRhythm, wantsRhythm } from './rhythm.js';
import { LEARNING_SCORE_CEILING, METRICS, type UsageSpikeState } from './state.js';

/**
 * Moves the key to minute `next` (later than the current one): the finished minute is learned, the
 * `k` empty minutes between are folded in closed form (cost independent of `k`), the weekly rhythm
 * closes the hours that ended, and the counters restart.
 */
export function advanceToMinute(
  state: UsageSpikeState,
  next: number,
  prepared: UsageSpikePrepared,
  timeZone: string,
): void {
  const finished = state.minute;
  if (finished < 0) {
    state.minute = next;
    state.firstMinute = next;
    return;
  }
  const learning = finished - state.firstMinute < prepared.learningMinutes;
  learnPeak(state, next - finished, prepared);
  learnMinute(state, state.counts, learning, prepared);
  state.activeMinutes++;

  const emptyMinutes = next - finished - 1;
  if (emptyMinutes > 0) foldEmptyMinutes(state, emptyMinutes, prepared);

  const finishedHour = Math.floor(finished / 60);
  const nextHour = Math.floor(next / 60);
  const rhythm = state.rhythm;
  if (rhythm) {
    for (let metric = 0; metric < METRICS.length; metric++) {
      rhythm.hourSums[metric]! += state.counts[metric]!;
    }
    if (nextHour > finishedHour) closeHours(rhythm, finishedHour, nextHour, state.mean, prepared);
  } else if (nextHour > finishedHour && wantsRhythm(state, next, prepared)) {
    state.rhythm = createRhythm(next, timeZone, prepared);
  }

  state.minute = next;
  for (let metric = 0; metric < METRICS.length; metric++) {
    state.counts[metric] = 0;
    state.reported[metric] = 0;
  }
  if (state.rhythm) {
    alignRhythm(state.rhythm, timeZone, next * 60_000, prepared);
    state.rhythm.bucket = bucketAt(next * 60_000, state.rhythm.tz, prepared);
  }
}

/**
 * Learns one finished minute. The first minute starts the level (variance as for a Poisson count);
 * later minutes far above the level are winsorised: the mean learns at most `zThreshold` standard
 * deviations of rise, and the variance learns that clipped rise with a weight that shrinks as the
 * outlier grows, so a burst barely moves the baseline. Minutes below the level are learned whole:
 * quiet minutes are exactly what the level must follow. No clipping while the key is learning.
 */
export function learnMinute(
  state: UsageSpikeState,
  values: readonly number[],
  learning: boolean,
  prepared: UsageSpikePrepared,
): void {
  if (state.mean.length === 0) {
    state.mean = values.slice();
    state.variance = values.slice();
    return;
  }
  for (let metric = 0; metric < METRICS.length; metric++) {
    const mean = state.mean[metric]!;
    const variance = state.variance[metric]!;
    let residual = values[metric]! - mean;
    let varianceAlpha = prepared.alpha;
    if (!learning) {
      const limit = prepared.zThreshold * Math.sqrt(Math.max(variance, mean, 1));
      if (residual > limit) {
        varianceAlpha *= limit / residual;
        residual = limit;
      }
    }
    state.mean[metric] = nextMean(mean, residual, prepared.alpha);
    state.variance[metric] = nextVariance(variance, residual, varianceAlpha);
  }
}

/**
 * Remembers the highest minute of recent weeks per metric, decayed over the `elapsed` minutes until
 * the next counted one.
 */
export function learnPeak(state: UsageSpikeState, elapsed: number, prepared: UsageSpikePrepared): void {
  if (state.peak === undefined) state.peak = [0, 0, 0];
  const peak = state.peak;
  const decay = prepared.peakRetention ** elapsed;
  for (let metric = 0; metric < METRICS.length; metric++) {
    const value = state.counts[metric]!;
    const current = peak[metric]!;
    // A minute that paged is not learned: a ten-minute attack must not become the new normal.
    const learned = state.reported[metric]! > LEARNING_SCORE_CEILING ? current : value;
    // Two decimals keep the checkpoint small; peaks are compared with a factor, not exactly.
    peak[metric] = Math.round(Math.max(current, learned) * decay * 100) / 100;
  }
}

/** Folds `count` minutes without events: the closed form of learning `count` zeros in a row. */
export function foldEmptyMinutes(state: UsageSpikeState, count: number, prepared: UsageSpikePrepared): void {
  const decay = prepared.retention ** count;
  for (let metric = 0; metric < state.mean.length; metric++) {
    const mean = state.mean[metric]!;
    state.variance[metric] = varianceAfterZeros(state.variance[metric]!, mean, decay);
    state.mean[metric] = meanAfterZeros(mean, decay);
  }
}
