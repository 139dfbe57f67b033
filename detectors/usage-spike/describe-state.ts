import type { UsageSpikePrepared } from './prepare.js';
import {
  ACTIVE_MINUTES,
  COUNT,
  FIRST_MINUTE,
  MEAN,
  METRICS,
  MINUTE,
  rhythmOf,
  statsOf,
  type UsageSpikeState,
  VARIANCE,
} from './state.js';

/**
 * What the API shows of a key's rate baselines: per metric the per-minute level (mean and standard
 * deviation over recent hours, empty minutes included) and, once learned, the weekly rhythm as usual
 * per-minute rates by local hour (weekdays and weekends; null where an hour is not known yet).
 */
export function describeUsageSpikeState(
  state: UsageSpikeState,
  prepared: UsageSpikePrepared,
): Record<string, unknown> {
  const stats = statsOf(state);
  const minute = stats[MINUTE]!;
  const firstMinute = stats[FIRST_MINUTE]!;
  const observedMinutes = minute < 0 ? 0 : minute - firstMinute;
  const rhythm = rhythmOf(state);
  const metrics: Record<string, unknown> = {};
  METRICS.forEach((name, metric) => {
    const rates = rhythm?.rates[metric];
    metrics[name] = {
      mean: round(stats[MEAN + metric]!),
      sd: round(Math.sqrt(stats[VARIANCE + metric]!)),
      currentMinute: stats[COUNT + metric]!,
      weekly: rates
        ? {
            weekdays: rates.slice(0, 24).map(known),
            weekends: rates.slice(24, 48).map(known),
          }
        : null,
    };
  });
  return {
    firstSeen: firstMinute < 0 ? null : new Date(firstMinute * 60_000).toISOString(),
    currentMinute: minute < 0 ? null : new Date(minute * 60_000).toISOString(),
    observedMinutes,
    activeMinutes: stats[ACTIVE_MINUTES],
    learning: observedMinutes < prepared.learningMinutes,
    learningMinutes: prepared.learningMinutes,
    halfLifeMinutes: prepared.halfLifeMinutes,
    timezone: rhythm?.tz ?? null,
    weeklyRhythm: rhythm !== undefined,
    metrics,
  };
}

function known(rate: number): number | null {
  return rate < 0 ? null : round(rate);
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}
