import type { EnrichedEvent } from '../../src/events/types.js';
import type { DetectorContext, Evaluation } from '../types.js';
import { buildOddHoursFinding } from './finding.js';
import { cellDistance, HOUR_MS } from './hour-of-week.js';
import { judgeHour } from './hour-score.js';
import type { OddHoursPrepared } from './prepare.js';
import { type OddHoursState, shiftCells } from './profile.js';
import { countActiveHour } from './profile-totals.js';

const UTC = 'UTC';

/**
 * Judges the local hour of `event` against the key's hour-of-week profile, then counts the hour.
 *
 * Each active hour is counted once, when the next active hour begins, so every event of one UTC
 * hour is judged against the same profile: the first event of an hour pays for the judgement,
 * later ones of a quiet hour cost a comparison, and later ones of an hour that fired repeat its
 * finding at no higher score (the engine groups them into the same episode). A judgement costs
 * O(1) while no rarity could make the hour reach `minScore` (a key still learning), else one pass
 * over the hour's smoothing neighbourhood.
 */
export function evaluateOddHours(
  event: EnrichedEvent,
  state: OddHoursState,
  prepared: OddHoursPrepared,
  ctx: DetectorContext,
): Evaluation<OddHoursState> {
  const hour = Math.floor(event.ts / HOUR_MS);

  if (hour === state.last) {
    const lastScore = state.lastScoreMilli / 1000;
    if (lastScore < prepared.minScore) return { state };
    return judgeAndReport(event.ts, hour, state.lastCell, state, prepared, ctx, lastScore);
  }

  if (hour < state.last) {
    // A late event: judged against the profile as it stands, in the profile's zone, and not
    // learned from (its hour was either counted already or is too old to place).
    const zone = state.tz ?? UTC;
    const cell = prepared.localTime.hourOfWeek(event.ts, zone);
    return judgeAndReport(event.ts, hour, cell, state, prepared, ctx, 1);
  }

  alignTimeZone(state, ctx.timezone, event.ts, prepared);
  const cell = prepared.localTime.hourOfWeek(event.ts, ctx.timezone);
  if (state.last >= 0) {
    countActiveHour(state, state.lastCell, state.last, prepared.halfLifeHours, prepared.kernel);
  }
  if (state.first < 0) state.first = hour;

  const judgement = judgeHour(state, cell, hour, prepared, ctx, true);
  state.last = hour;
  state.lastCell = cell;
  state.lastScoreMilli = Math.round(judgement.score * 1000);
  if (judgement.score < prepared.minScore) return { state };
  const finding = buildOddHoursFinding(
    event.ts,
    hour,
    cell,
    ctx.timezone,
    judgement.score,
    judgement,
    state,
    prepared,
    ctx,
  );
  return { state, finding };
}

function judgeAndReport(
  ts: number,
  hour: number,
  cell: number,
  state: OddHoursState,
  prepared: OddHoursPrepared,
  ctx: DetectorContext,
  scoreCeiling: number,
): Evaluation<OddHoursState> {
  const judgement = judgeHour(state, cell, hour, prepared, ctx, false);
  const score = Math.min(judgement.score, scoreCeiling);
  if (score < prepared.minScore) return { state };
  const zone = state.tz ?? UTC;
  const finding = buildOddHoursFinding(ts, hour, cell, zone, score, judgement, state, prepared, ctx);
  return { state, finding };
}

/**
 * Re-expresses the profile in the key's current zone (e.g. once the engine has inferred it from the
 * key's main location), shifting the cells by the offset difference at this instant so that what was
 * learned stays at the same real times.
 */
function alignTimeZone(state: OddHoursState, timeZone: string, ts: number, prepared: OddHoursPrepared): void {
  const current = state.tz ?? UTC;
  if (current === timeZone) return;
  if (state.last >= 0) {
    const shift = cellDistance(
      prepared.localTime.hourOfWeek(ts, current),
      prepared.localTime.hourOfWeek(ts, timeZone),
    );
    if (shift !== 0) shiftCells(state, shift);
  }
  state.tz = timeZone === UTC ? undefined : timeZone;
}
