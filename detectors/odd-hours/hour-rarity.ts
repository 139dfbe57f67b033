import { DAY_HOURS, HOURS_PER_WEEK } from './hour-of-week.js';
import { fillWeights, isDense } from './profile.js';
import { type SmoothingKernel, smoothedWeight } from './smoothing-kernel.js';

/**
 * How rare one local hour is for a key, from its (decayed) hour-of-week profile. The parts are what
 * the finding's evidence shows.
 */
export interface HourRarity {
  /** Decayed active weeks of this very cell. */
  cellWeight: number;
  /** Smoothed probability that an active hour of this key falls in this cell. */
  probability: number;
  /** The same probability for the key's typical active hour (mean over its activity). */
  typicalProbability: number;
  /** `log2(typicalProbability / probability)`: how many halvings rarer than usual this hour is. */
  surpriseBits: number;
  /** The same for the day of the week alone (is the key ever active on this day?). */
  daySurpriseBits: number;
  /** Rarity in [0, 1] before learning confidence and policy: at most HOUR_SHARE + DAY_SHARE-ish. */
  rarity: number;
}

/**
 * Calibration. Surprise is measured in bits because the smoothed probabilities of "just outside the
 * usual hours" and "the middle of the night" differ by orders of magnitude, not by a few percent:
 * below 3 bits (8× rarer than a typical hour, e.g. 19:00 for a 08–18 key) counts for nothing, at 6.5
 * bits (~90×) an hour is as rare as this profile can tell.
 */
const CELL_BITS_FLOOR = 3;
const CELL_BITS_FULL = 6.5;
/** A day on which the key is never active (≥ 3 bits) adds to a rare hour; half as often (1 bit) does not. */
const DAY_BITS_FLOOR = 1;
const DAY_BITS_FULL = 3;
/**
 * A rare hour alone scores up to HOUR_SHARE; on a day the key never works up to
 * 1 − (1 − HOUR_SHARE)(1 − DAY_SHARE) ≈ 0.6. Odd hours is weak evidence on its own: it should reach
 * "medium" only in the clearest cases and otherwise raise other detectors' findings by noisy-OR.
 */
const HOUR_SHARE = 0.5;
const DAY_SHARE = 0.2;

/** Reusable buffers of one assessment (not state: overwritten by every call before being read). */
export interface AssessmentScratch {
  /** The profile's 168 decayed weights. */
  weights: Float64Array;
  /** Its 7 day totals. */
  dayTotals: Float64Array;
}

/**
 * Assesses `cell` against a stored profile (`cells`, sparse or dense) decayed by `factor`, smoothed
 * by `kernel`, with `prior` pseudo-weeks added to every cell. Leaves the decayed weights in
 * `scratch.weights`.
 */
export function assessHour(
  cells: readonly number[],
  factor: number,
  cell: number,
  kernel: SmoothingKernel,
  prior: number,
  scratch: AssessmentScratch,
): HourRarity {
  const weights = scratch.weights;
  const total = fillWeights(cells, factor, weights);
  const cellWeight = weights[cell] ?? 0;
  if (total <= 0) {
    const uniform = 1 / HOURS_PER_WEEK;
    return {
      cellWeight,
      probability: uniform,
      typicalProbability: uniform,
      surpriseBits: 0,
      daySurpriseBits: 0,
      rarity: 0,
    };
  }
  const dayTotals = scratch.dayTotals;
  dayTotals.fill(0);
  let smoothedTotal = 0;
  let activityWeightedSmoothed = 0;
  // Only active cells contribute: walk the sparse pairs, or all 168 cells of a dense profile.
  const dense = isDense(cells);
  const count = dense ? HOURS_PER_WEEK : cells.length / 2;
  for (let index = 0; index < count; index += 1) {
    const other = dense ? index : cells[2 * index]!;
    const weight = weights[other]!;
    if (weight === 0) continue;
    smoothedTotal += weight * kernel.rowSums[other]!;
    activityWeightedSmoothed += weight * smoothedWeight(kernel, weights, other);
    dayTotals[Math.floor(other / DAY_HOURS)]! += weight;
  }
  const normaliser = smoothedTotal + HOURS_PER_WEEK * prior;
  const typicalSmoothed = activityWeightedSmoothed / total;
  const probability = (smoothedWeight(kernel, weights, cell) + prior) / normaliser;
  const typicalProbability = (typicalSmoothed + prior) / normaliser;
  const surpriseBits = Math.max(0, Math.log2(typicalProbability / probability));

  // Days: the same comparison on the 7 day totals, each with the prior of its 24 cells.
  const dayPrior = DAY_HOURS * prior;
  let squaredDayTotals = 0;
  for (let day = 0; day < 7; day += 1) squaredDayTotals += dayTotals[day]! * dayTotals[day]!;
  const dayTotal = dayTotals[Math.floor(cell / DAY_HOURS)]!;
  const daySurpriseBits = Math.max(
    0,
    Math.log2((squaredDayTotals / total + dayPrior) / (dayTotal + dayPrior)),
  );

  const hourPart = ramp(surpriseBits, CELL_BITS_FLOOR, CELL_BITS_FULL);
  const dayPart = ramp(daySurpriseBits, DAY_BITS_FLOOR, DAY_BITS_FULL);
  const rarity = 1 - (1 - HOUR_SHARE * hourPart) * (1 - DAY_SHARE * hourPart * dayPart);
  return { cellWeight, probability, typicalProbability, surpriseBits, daySurpriseBits, rarity };
}

function ramp(value: number, floor: number, full: number): number {
  if (value <= floor) return 0;
  if (value >= full) return 1;
  return (value - floor) / (full - floor);
}
