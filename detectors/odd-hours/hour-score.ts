import type { DetectorContext } from '../types.js';
import { isWithinBusinessHours } from './business-hours.js';
import { assessHour, type HourRarity } from './hour-rarity.js';
import type { OddHoursPrepared } from './prepare.js';
import { decayFactor, type OddHoursState } from './profile.js';

/** The verdict on one local hour of one key, with what went into it. */
export interface HourJudgement {
  /** Final score in [0, 1], rounded to 3 decimals. */
  score: number;
  rarity: HourRarity;
  /** Hours of event time since the key's first event. */
  observedHours: number;
  /** Whether the key is still within `learningDays`. */
  learning: boolean;
  /** Inside the declared business hours; undefined when none are declared. */
  withinBusinessHours: boolean | undefined;
  /** Whether the declared business hours, not the profile, set the score. */
  raisedByBusinessHours: boolean;
}

/** While learning, no score exceeds this (informational at most). */
const LEARNING_SCORE_CAP = 0.3;
/** Inside declared business hours no score exceeds this. */
const WITHIN_BUSINESS_HOURS_CAP = 0.15;

/**
 * Scores local hour-of-week `cell` at epoch hour `hour` against the key's profile as it stands
 * (the current hour not yet counted).
 */
export function judgeHour(
  state: OddHoursState,
  cell: number,
  hour: number,
  prepared: OddHoursPrepared,
  ctx: DetectorContext,
): HourJudgement {
  const factor = decayFactor(state.at, hour, prepared.halfLifeHours);
  const rarity = assessHour(
    state.cells,
    factor,
    cell,
    prepared.kernel,
    prepared.priorWeight,
    prepared.scratch,
  );
  const observedHours = state.first < 0 ? 0 : Math.max(0, hour - state.first);
  const learning = observedHours < prepared.learningHours;
  let score = rarity.rarity * confidence(observedHours, prepared.learningHours);
  if (learning) score = Math.min(score, LEARNING_SCORE_CAP);

  const businessHours = ctx.policy.businessHours;
  let withinBusinessHours: boolean | undefined;
  let raisedByBusinessHours = false;
  if (businessHours) {
    withinBusinessHours = isWithinBusinessHours(businessHours, cell);
    if (withinBusinessHours) score = Math.min(score, WITHIN_BUSINESS_HOURS_CAP);
    else if (!learning && score < prepared.outsideBusinessHoursScore) {
      score = prepared.outsideBusinessHoursScore;
      raisedByBusinessHours = true;
    }
  }
  return {
    score: Math.round(score * 1000) / 1000,
    rarity,
    observedHours,
    learning,
    withinBusinessHours,
    raisedByBusinessHours,
  };
}

/**
 * How far the profile is trusted: rising to 0.5 over the learning period, then to 1 over twice
 * that (7 → 21 days by default), so an office key is fully judged after three weeks.
 */
export function confidence(observedHours: number, learningHours: number): number {
  if (learningHours <= 0) return 1;
  if (observedHours < learningHours) return (0.5 * observedHours) / learningHours;
  return Math.min(1, 0.5 + (0.5 * (observedHours - learningHours)) / (2 * learningHours));
}
