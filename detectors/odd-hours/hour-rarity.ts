import { DAY_HOURS, HOURS_PER_WEEK } from './hour-of-week.js';
import { storedWeight } from './profile.js';
import { DAY_TOTAL, type ProfileTotals, SELF_SMOOTHED, smoothedStoredWeight } from './profile-totals.js';
import type { SmoothingKernel } from './smoothing-kernel.js';

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

/** The highest rarity any profile can give an hour: a rare hour on a day the key never works. */
export const MAX_RARITY = 1 - (1 - HOUR_SHARE) * (1 - DAY_SHARE);

/** A rarity to be filled in by `assessHour` (one per prepared detector, reused). */
export function createHourRarity(): HourRarity {
  return {
    cellWeight: 0,
    probability: 0,
    typicalProbability: 0,
    surpriseBits: 0,
    daySurpriseBits: 0,
    rarity: 0,
  };
}

/**
 * Assesses `cell` against a stored profile (`cells`, sparse or dense, with its `totals`) decayed by
 * `factor`, smoothed by `kernel`, with `prior` pseudo-weeks added to every cell, and writes the
 * result into `out`. Costs one pass over the cell's smoothing neighbourhood (dense profiles) or over
 * the active cells (sparse ones).
 */
export function assessHour(
  cells: readonly number[],
  totals: ProfileTotals,
  factor: number,
  cell: number,
  kernel: SmoothingKernel,
  prior: number,
  out: HourRarity,
): HourRarity {
  // The day totals give the total, the smoothed total and the spread over days.
  let storedTotal = 0;
  let smoothedTotal = 0;
  let squaredDayTotals = 0;
  for (let day = 0; day < 7; day += 1) {
    const dayTotal = totals[DAY_TOTAL + day]!;
    storedTotal += dayTotal;
    smoothedTotal += dayTotal * kernel.dayRowSums[day]!;
    squaredDayTotals += dayTotal * dayTotal;
  }
  out.cellWeight = storedWeight(cells, cell) * factor;
  if (storedTotal <= 0) {
    const uniform = 1 / HOURS_PER_WEEK;
    out.probability = uniform;
    out.typicalProbability = uniform;
    out.surpriseBits = 0;
    out.daySurpriseBits = 0;
    out.rarity = 0;
    return out;
  }
  // Decayed sums are the stored ones times factor (times factor² for products of weights), so the
  // means below (product / total) scale by factor once.
  const normaliser = smoothedTotal * factor + HOURS_PER_WEEK * prior;
  const typicalSmoothed = (totals[SELF_SMOOTHED]! * factor) / storedTotal;
  const probability = (smoothedStoredWeight(cells, cell, kernel) * factor + prior) / normaliser;
  const typicalProbability = (typicalSmoothed + prior) / normaliser;
  const surpriseBits = Math.max(0, Math.log2(typicalProbability / probability));

  // Days: the same comparison on the 7 day totals, each with the prior of its 24 cells.
  const dayPrior = DAY_HOURS * prior;
  const dayTotal = totals[DAY_TOTAL + Math.floor(cell / DAY_HOURS)]! * factor;
  const typicalDayTotal = (squaredDayTotals * factor) / storedTotal;
  const daySurpriseBits = Math.max(0, Math.log2((typicalDayTotal + dayPrior) / (dayTotal + dayPrior)));

  const hourPart = ramp(surpriseBits, CELL_BITS_FLOOR, CELL_BITS_FULL);
  const dayPart = ramp(daySurpriseBits, DAY_BITS_FLOOR, DAY_BITS_FULL);
  out.probability = probability;
  out.typicalProbability = typicalProbability;
  out.surpriseBits = surpriseBits;
  out.daySurpriseBits = daySurpriseBits;
  out.rarity = 1 - (1 - HOUR_SHARE * hourPart) * (1 - DAY_SHARE * hourPart * dayPart);
  return out;
}

function ramp(value: number, floor: number, full: number): number {
  if (value <= floor) return 0;
  if (value >= full) return 1;
  return (value - floor) / (full - floor);
}
