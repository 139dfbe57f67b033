import type { EnrichedEvent } from '../../src/events/types.js';
import type { DetectorContext, Evaluation } from '../types.js';
import { expectedPerMinute, expectedSd } from './expectation.js';
import { buildUsageSpikeFinding } from './finding.js';
import { advanceToMinute } from './minute-fold.js';
import { spikeScore } from './model.js';
import type { UsageSpikePrepared } from './prepare.js';
import {
  BYTES_OUT,
  COUNT,
  ERRORS,
  FIRST_MINUTE,
  LEARNING_SCORE_CEILING,
  METRICS,
  MINUTE,
  PEAK,
  REPORTED,
  REQUESTS,
  reportedScore,
  rhythmOf,
  STATS_LENGTH,
  statsOf,
  type UsageSpikeState,
  type UsageStats,
  withStats,
} from './state.js';

const MINUTE_MS = 60_000;

export { LEARNING_SCORE_CEILING };
/** Within one minute a metric is reported again only after its score rose by this much. */
export const REPORT_STEP = 0.1;

/**
 * Counts the event into its minute and compares the minute so far with the expected per-minute
 * value of each metric, so a burst is reported within its first minute, not after it. An event of
 * an earlier minute (late delivery) is counted into the current one.
 *
 * The common path (a minute below every absolute floor) is a few additions and comparisons.
 */
export function evaluateUsageSpike(
  event: EnrichedEvent,
  current: UsageSpikeState,
  prepared: UsageSpikePrepared,
  ctx: DetectorContext,
): Evaluation<UsageSpikeState> {
  let state = current;
  const minute = Math.floor(event.ts / MINUTE_MS);
  if (minute > statsOf(state)[MINUTE]!) state = advanceToMinute(state, minute, prepared, ctx.timezone);

  const stats = statsOf(state);
  const requests = stats[COUNT + REQUESTS]! + 1;
  stats[COUNT + REQUESTS] = requests;
  const bytesOut = event.bytesOut;
  if (bytesOut !== undefined && bytesOut > 0) stats[COUNT + BYTES_OUT]! += bytesOut;
  if (event.status !== undefined && event.status >= 400) stats[COUNT + ERRORS]! += 1;

  if (
    requests < prepared.minRequestExcess &&
    stats[COUNT + BYTES_OUT]! < prepared.minBytesExcess &&
    stats[COUNT + ERRORS]! < prepared.minErrors
  ) {
    return { state };
  }
  return assessMinute(state, stats, prepared, ctx);
}

/** Scores the metrics that pass their absolute floors and reports the strongest that stepped up. */
function assessMinute(
  state: UsageSpikeState,
  stats: UsageStats,
  prepared: UsageSpikePrepared,
  ctx: DetectorContext,
): Evaluation<UsageSpikeState> {
  const learning = stats[MINUTE]! - stats[FIRST_MINUTE]! < prepared.learningMinutes;
  const rhythm = rhythmOf(state);
  let bestMetric = -1;
  let bestScore = 0;
  for (let metric = 0; metric < METRICS.length; metric++) {
    const observed = stats[COUNT + metric]!;
    const expected = expectedPerMinute(stats, rhythm, metric);
    if (!passesFloor(stats, metric, observed - expected, prepared)) continue;
    let score = spikeScore(observed, expected, expectedSd(stats, metric, expected), prepared.zThreshold);
    if (learning || withinRecentPeak(stats, metric, observed, prepared)) {
      score = Math.min(score, LEARNING_SCORE_CEILING);
    }
    const reported = reportedScore(stats, metric);
    if (score < prepared.minScore || (reported > 0 && score < reported + REPORT_STEP)) continue;
    if (score > bestScore) {
      bestScore = score;
      bestMetric = metric;
    }
  }
  if (bestMetric < 0) return { state };
  const finding = buildUsageSpikeFinding(stats, rhythm, bestMetric, bestScore, learning, prepared, ctx);
  return { state: withReport(state, stats, bestMetric, bestScore), finding };
}

/** The state with `score` recorded as reported for `metric` in the current minute. */
function withReport(
  state: UsageSpikeState,
  stats: UsageStats,
  metric: number,
  score: number,
): UsageSpikeState {
  // A key's first report in a minute adds the three REPORTED slots (an exact-size copy, rarely made).
  const reported = stats.length > STATS_LENGTH ? stats : stats.concat(0, 0, 0);
  reported[REPORTED + metric] = score;
  return withStats(state, reported);
}

/** Whether the minute stays within `peakFactor` (`bytesPeakFactor` for bytes) × the key's highest minute of recent weeks. */
export function withinRecentPeak(
  stats: UsageStats,
  metric: number,
  observed: number,
  prepared: UsageSpikePrepared,
): boolean {
  const peak = stats[PEAK + metric]!;
  return peak > 0 && observed <= prepared.peakFactors[metric]! * peak;
}

function passesFloor(
  stats: UsageStats,
  metric: number,
  excess: number,
  prepared: UsageSpikePrepared,
): boolean {
  if (metric === REQUESTS) return excess >= prepared.minRequestExcess;
  if (metric === BYTES_OUT) return excess >= prepared.minBytesExcess;
  return (
    excess >= prepared.minErrors && stats[COUNT + ERRORS]! > prepared.minErrorShare * stats[COUNT + REQUESTS]!
  );
}
