import type { DetectorContext } from '../types.js';
import { isWithinBusinessHours } from './business-hours.js';
import { assessHour, createHourRarity, type HourRarity, MAX_RARITY } from './hour-rarity.js';
import type { OddHoursPrepared } from './prepare.js';
import { decayFactor, type OddHoursState } from './profile.js';
import { createTotals, type ProfileTotals, profileTotals } from './profile-totals.js';

/** The verdict on one local hour of one key, with what went into it. */
export interface HourJudgement {
  /** Final score in [0, 1], rounded to 3 decimals. */
  score: number;
  /**
   * Whether the profile was assessed. When not, no rarity could have lifted the score to
   * `minScore`: `score` is then the highest it could have been and `rarity` is left over from an
   * earlier judgement.
   */
  assessed: boolean;
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

/** Reusable buffers of judging (not state: every judgement overwrites what it reads). */
export interface JudgementScratch {
  judgement: HourJudgement;
  totals: ProfileTotals;
}

/** While learning, no score exceeds this (informational at most). */
const LEARNING_SCORE_CAP = 0.3;
/** Inside declared business hours no score exceeds this. */
const WITHIN_BUSINESS_HOURS_CAP = 0.15;

/** Buffers for `judgeHour`, one per prepared detector. */
export function createJudgementScratch(): JudgementScratch {
  return {
    judgement: {
      score: 0,
      assessed: false,
      rarity: createHourRarity(),
      observedHours: 0,
      learning: true,
      withinBusinessHours: undefined,
      raisedByBusinessHours: false,
    },
    totals: createTotals(),
  };
}

/**
 * Scores local hour-of-week `cell` at epoch hour `hour` against the key's profile as it stands
 * (the current hour not yet counted). The profile is assessed only when the score could reach
 * `minScore` (a key still learning, or inside its business hours, often cannot); `keepTotals` lets
 * a large profile keep the sums it needed (see profile-totals.ts). The judgement returned is
 * `prepared`'s reusable one: read it before the next call.
 */
export function judgeHour(
  state: OddHoursState,
  cell: number,
  hour: number,
  prepared: OddHoursPrepared,
  ctx: DetectorContext,
  keepTotals: boolean,
): HourJudgement {
  const judgement = prepared.scratch.judgement;
  const observedHours = state.first < 0 ? 0 : Math.max(0, hour - state.first);
  judgement.observedHours = observedHours;
  judgement.learning = observedHours < prepared.learningHours;
  const businessHours = ctx.policy.businessHours;
  judgement.withinBusinessHours = businessHours ? isWithinBusinessHours(businessHours, cell) : undefined;
  const trust = confidence(observedHours, prepared.learningHours);

  // The score never falls as the rarity rises, so at the highest rarity it bounds every outcome.
  setScore(judgement, MAX_RARITY, trust, prepared);
  judgement.assessed = judgement.score >= prepared.minScore;
  if (!judgement.assessed) return judgement;

  const totals = profileTotals(state, prepared.kernel, prepared.scratch.totals, keepTotals);
  const factor = decayFactor(state.at, hour, prepared.halfLifeHours);
  assessHour(state.cells, totals, factor, cell, prepared.kernel, prepared.priorWeight, judgement.rarity);
  setScore(judgement, judgement.rarity.rarity, trust, prepared);
  return judgement;
}

/** The score of an hour of this rarity, given the learning confidence and the business hours. */
function setScore(judgement: HourJudgement, rarity: number, trust: number, prepared: OddHoursPrepared): void {
  let score = rarity * trust;
  if (judgement.learning) score = Math.min(score, LEARNING_SCORE_CAP);
  let raised = false;
  if (judgement.withinBusinessHours === true) score = Math.min(score, WITHIN_BUSINESS_HOURS_CAP);
  else if (
    judgement.withinBusinessHours === false &&
    !judgement.learning &&
    score < prepared.outsideBusinessHoursScore
  ) {
    score = prepared.outsideBusinessHoursScore;
    raised = true;
  }
  judgement.score = Math.round(score * 1000) / 1000;
  judgement.raisedByBusinessHours = raised;
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
