import { DAY_HOURS, HOUR_MS, HOURS_PER_WEEK, SHORT_DAY_NAMES } from './hour-of-week.js';
import type { OddHoursPrepared } from './prepare.js';
import { decayFactor, fillWeights, type OddHoursState } from './profile.js';
import { summariseUsualHours } from './usual-hours.js';

/**
 * What the API shows of a key's odd-hours learning: the 7 × 24 profile (rows Sunday … Saturday,
 * columns 00 … 23 local, in decayed active weeks as of the key's latest active hour, that hour
 * included), the usual hours and the learning progress.
 */
export function describeOddHoursState(
  state: OddHoursState,
  prepared: OddHoursPrepared,
): Record<string, unknown> {
  const weights = new Float64Array(HOURS_PER_WEEK);
  if (state.last >= 0) {
    fillWeights(state.cells, decayFactor(state.at, state.last, prepared.halfLifeHours), weights);
    weights[state.lastCell] = (weights[state.lastCell] ?? 0) + 1;
  }
  const observedHours = state.first < 0 ? 0 : state.last - state.first;
  const profile = SHORT_DAY_NAMES.map((_, day) =>
    Array.from(
      { length: DAY_HOURS },
      (_, hour) => Math.round((weights[day * DAY_HOURS + hour] ?? 0) * 100) / 100,
    ),
  );
  return {
    timezone: state.tz ?? 'UTC',
    firstSeen: state.first < 0 ? null : new Date(state.first * HOUR_MS).toISOString(),
    lastActiveHour: state.last < 0 ? null : new Date(state.last * HOUR_MS).toISOString(),
    observedDays: Math.round((observedHours / 24) * 10) / 10,
    learning: observedHours < prepared.learningHours,
    activeCells: weights.reduce((count, weight) => (weight > 0 ? count + 1 : count), 0),
    usualHours: summariseUsualHours(weights),
    days: SHORT_DAY_NAMES,
    profile,
  };
}
