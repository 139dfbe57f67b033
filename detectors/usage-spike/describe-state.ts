import type { UsageSpikePrepared } from './prepare.js';
import { METRICS, type UsageSpikeState } from './state.js';

/**
 * What the API shows of a key's rate baselines: per metric the per-minute level (mean and standard
 * deviation over recent hours, empty minutes included) and, once learned, the weekly rhythm as usual
 * per-minute rates by local hour (weekdays and weekends; null where an hour is not known yet).
 */
export function describeUsageSpikeState(
  state: UsageSpikeState,
  prepared: UsageSpikePrepared,
): Record<string, unknown> {
  const observedMinutes = state.minute < 0 ? 0 : state.minute - state.firstMinute;
  const rhythm = state.rhythm;
  const metrics: Record<string, unknown> = {};
  METRICS.forEach((name, metric) => {
    const rates = rhythm?.rates[metric];
    metrics[name] = {
      mean: round(state.mean[metric] ?? 0),
      sd: round(Math.sqrt(state.variance[metric] ?? 0)),
      currentMinute: state.counts[metric] ?? 0,
      weekly: rates
        ? {
            weekdays: rates.slice(0, 24).map(known),
            weekends: rates.slice(24, 48).map(known),
          }
        : null,
    };
  });
  return {
    firstSeen: state.firstMinute < 0 ? null : new Date(state.firstMinute * 60_000).toISOString(),
    currentMinute: state.minute < 0 ? null : new Date(state.minute * 60_000).toISOString(),
    observedMinutes,
    activeMinutes: state.activeMinutes,
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
