import type { EnrichedEvent } from '../../src/events/types.js';
import type { DetectorContext, Evaluation } from '../types.js';
import { expectedPerMinute, expectedSd } from './expectation.js';
import { buildUsageSpikeFinding } from './finding.js';
import { advanceToMinute } from './minute-fold.js';
import { spikeScore } from './model.js';
import type { UsageSpikePrepared } from './prepare.js';
import {
  BYTES_OUT,
  ERRORS,
  LEARNING_SCORE_CEILING,
  METRICS,
  REQUESTS,
  type UsageSpikeState,
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
  state: UsageSpikeState,
  prepared: UsageSpikePrepared,
  ctx: DetectorContext,
): Evaluation<UsageSpikeState> {
  const minute = Math.floor(event.ts / MINUTE_MS);
  if (minute > state.minute) advanceToMinute(state, minute, prepared, ctx.timezone);

  const counts = state.counts;
  const requests = counts[REQUESTS]! + 1;
  counts[REQUESTS] = requests;
  const bytesOut = event.bytesOut;
  if (bytesOut !== undefined && bytesOut > 0) counts[BYTES_OUT]! += bytesOut;
  if (event.status !== undefined && event.status >= 400) counts[ERRORS]! += 1;

  if (
    requests < prepared.minRequestExcess &&
    counts[BYTES_OUT]! < prepared.minBytesExcess &&
    counts[ERRORS]! < prepared.minErrors
  ) {
    return { state };
  }
  return assessMinute(state, prepared, ctx);
}

/** Scores the metrics that pass their absolute floors and reports the strongest that stepped up. */
function assessMinute(
  state: UsageSpikeState,
  prepared: UsageSpikePrepared,
  ctx: DetectorContext,
): Evaluation<UsageSpikeState> {
  const learning = state.minute - state.firstMinute < prepared.learningMinutes;
  let bestMetric = -1;
  let bestScore = 0;
  for (let metric = 0; metric < METRICS.length; metric++) {
    const observed = state.counts[metric]!;
    const expected = expectedPerMinute(state, metric);
    if (!passesFloor(state, metric, observed - expected, prepared)) continue;
    let score = spikeScore(observed, expected, expectedSd(state, metric, expected), prepared.zThreshold);
    if (learning || withinRecentPeak(state, metric, observed, prepared)) {
      score = Math.min(score, LEARNING_SCORE_CEILING);
    }
    const reported = state.reported[metric]!;
    if (score < prepared.minScore || (reported > 0 && score < reported + REPORT_STEP)) continue;
    if (score > bestScore) {
      bestScore = score;
      bestMetric = metric;
    }
  }
  if (bestMetric < 0) return { state };
  state.reported[bestMetric] = bestScore;
  return { state, finding: buildUsageSpikeFinding(state, bestMetric, bestScore, learning, prepared, ctx) };
}

/** Whether the minute stays within `peakFactor` × the key's highest minute of recent weeks. */
export function withinRecentPeak(
  state: UsageSpikeState,
  metric: number,
  observed: number,
  prepared: UsageSpikePrepared,
): boolean {
  const peak = state.peak?.[metric] ?? 0;
  return peak > 0 && observed <= prepared.peakFactor * peak;
}

function passesFloor(
  state: UsageSpikeState,
  metric: number,
  excess: number,
  prepared: UsageSpikePrepared,
): boolean {
  if (metric === REQUESTS) return excess >= prepared.minRequestExcess;
  if (metric === BYTES_OUT) return excess >= prepared.minBytesExcess;
  return (
    excess >= prepared.minErrors && state.counts[ERRORS]! > prepared.minErrorShare * state.counts[REQUESTS]!
  );
}
