import type { DetectorContext, Finding } from '../types.js';
import { describeBusinessHours } from './business-hours.js';
import { cellLabel, DAY_NAMES, dayOfCell, HOURS_PER_WEEK, hourOfCell, twoDigits } from './hour-of-week.js';
import type { HourJudgement } from './hour-score.js';
import { localIsoTime } from './local-iso-time.js';
import type { OddHoursPrepared } from './prepare.js';
import { decayFactor, fillWeights, type OddHoursState } from './profile.js';
import { summariseUsualHours } from './usual-hours.js';

export const ODD_HOURS_ID = 'odd-hours';

/**
 * Writes the finding for a judged hour: title, one-sentence explanation and the evidence behind
 * the score (the profile cell, the typical hour, the usual hours, the declared business hours).
 */
export function buildOddHoursFinding(
  ts: number,
  hour: number,
  cell: number,
  timeZone: string,
  score: number,
  judgement: HourJudgement,
  state: OddHoursState,
  prepared: OddHoursPrepared,
  ctx: DetectorContext,
): Finding {
  const weights = new Float64Array(HOURS_PER_WEEK);
  fillWeights(state.cells, decayFactor(state.at, hour, prepared.halfLifeHours), weights);
  const usualHours = summariseUsualHours(weights);
  const { rarity, observedHours } = judgement;
  const when = `${DAY_NAMES[dayOfCell(cell)]} ${twoDigits(hourOfCell(cell))}:00`;
  const businessHours = ctx.policy.businessHours;

  const title = judgement.raisedByBusinessHours
    ? `Use outside declared business hours: ${when} (${timeZone})`
    : `Use at an unusual hour for this key: ${when} (${timeZone})`;
  const times = timesActive(rarity.cellWeight, observedHours, prepared.halfLifeHours);
  const usual =
    usualHours.busiest.length > 0
      ? `this key is normally active ${usualHours.summary}`
      : 'this key has no usual hours yet';
  const history = `in the last ${period(observedHours)} it was active in this hour ${times === 1 ? 'once' : `${times} times`}`;
  const explanation =
    businessHours && judgement.raisedByBusinessHours
      ? `${when} ${timeZone} is outside the declared business hours ${describeBusinessHours(businessHours)}; ${usual} and ${history}.`
      : `${when} ${timeZone} is unusual: ${usual}; ${history}${
          businessHours && judgement.withinBusinessHours === false
            ? `, and this is outside the declared business hours ${describeBusinessHours(businessHours)}`
            : ''
        }.`;

  const evidence: Record<string, unknown> = {
    localTime: localIsoTime(ts, prepared.localTime.utcOffsetMinutes(ts, timeZone)),
    timezone: timeZone,
    hourOfWeek: cell,
    hour: cellLabel(cell),
    cellWeight: round(rarity.cellWeight, 3),
    probability: significant(rarity.probability),
    typicalProbability: significant(rarity.typicalProbability),
    surpriseBits: round(rarity.surpriseBits, 2),
    daySurpriseBits: round(rarity.daySurpriseBits, 2),
    activeWeeks: round(observedHours / HOURS_PER_WEEK, 1),
    learning: judgement.learning,
    usualHours,
  };
  if (businessHours) {
    evidence.businessHours = {
      ...businessHours,
      summary: describeBusinessHours(businessHours),
      within: judgement.withinBusinessHours,
    };
  }
  return {
    detector: ODD_HOURS_ID,
    score,
    subject: `hour:${cellLabel(cell)}`,
    title,
    explanation,
    evidence,
  };
}

/**
 * Roughly how many of the observed weeks the key was active in a cell, undoing the decay: a cell
 * active every week for W weeks holds (1 − d^W) / (1 − d) with d the weekly decay.
 */
function timesActive(cellWeight: number, observedHours: number, halfLifeHours: number): number {
  const weeks = Math.max(1, observedHours / HOURS_PER_WEEK);
  const weeklyDecay = 2 ** (-HOURS_PER_WEEK / halfLifeHours);
  const fullWeight = (1 - weeklyDecay ** weeks) / (1 - weeklyDecay);
  return Math.min(Math.ceil(weeks), Math.round((cellWeight / fullWeight) * weeks));
}

function period(observedHours: number): string {
  const days = Math.max(1, Math.round(observedHours / 24));
  if (days < 14) return days === 1 ? 'day' : `${days} days`;
  return `${Math.round(days / 7)} weeks`;
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

function significant(value: number): number {
  return Number(value.toPrecision(3));
}
