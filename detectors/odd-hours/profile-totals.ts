import { DAY_HOURS, HOURS_PER_WEEK } from './hour-of-week.js';
import { addActiveHour, isDense, type OddHoursState, WEIGHT_UNITS_PER_WEEK } from './profile.js';
import type { SmoothingKernel } from './smoothing-kernel.js';

/**
 * The sums over a profile's stored weights `v` (active weeks, before decay) that scoring an hour
 * needs besides the hour's own neighbourhood. Decay multiplies every weight by the same factor `f`,
 * so the decayed sums are these times `f` (`f²` for products of weights): scoring an hour then
 * touches only that hour's smoothing neighbourhood, not the 168 cells.
 *
 * - `[SELF_SMOOTHED]` Σ v_j · (K v)_j: the smoothed weight of the key's own activity (K: kernel)
 * - `[DAY_TOTAL + d]` Σ v_j over the cells of day d (0 = Sunday)
 *
 * The total weight and the smoothed total follow from the day totals, since every cell of a day
 * lends the same total weight (see `dayRowSums`).
 */
export type ProfileTotals = number[];

/** Index of Σ v·(K v) in the totals. */
export const SELF_SMOOTHED = 0;
/** Index of Sunday's total; the other days follow. */
export const DAY_TOTAL = 1;
const TOTALS_LENGTH = DAY_TOTAL + 7;
/**
 * Profiles with at least this many active cells keep their totals in the state (~150 bytes), so an
 * hour costs O(kernel) to score; smaller ones recompute them, which costs less than their room.
 */
const KEPT_TOTALS_MIN_CELLS = 8;

/** A buffer for totals that are computed but not kept. */
export function createTotals(): ProfileTotals {
  return new Array<number>(TOTALS_LENGTH).fill(0);
}

/**
 * The totals of the profile: kept ones, or computed now (into `scratch`, or kept in the state when
 * `keep` is set and the profile is large enough). Judging a late event passes `keep = false` so
 * that it leaves the state as it found it.
 */
export function profileTotals(
  state: OddHoursState,
  kernel: SmoothingKernel,
  scratch: ProfileTotals,
  keep: boolean,
): ProfileTotals {
  const kept = state.totals;
  if (kept !== undefined) return kept;
  const cells = state.cells;
  if (keep && (isDense(cells) || cells.length / 2 >= KEPT_TOTALS_MIN_CELLS)) {
    const totals = computeTotals(cells, kernel, createTotals());
    state.totals = totals;
    return totals;
  }
  return computeTotals(cells, kernel, scratch);
}

/**
 * Counts one active hour into the profile (see `addActiveHour`) and into its kept totals, if any:
 * only the sums that involve that cell change, unless the profile was rebased.
 */
export function countActiveHour(
  state: OddHoursState,
  cell: number,
  epochHour: number,
  halfLifeHours: number,
  kernel: SmoothingKernel,
): void {
  const totals = state.totals;
  const at = state.at;
  const added = addActiveHour(state, cell, epochHour, halfLifeHours);
  if (totals === undefined) return;
  if (state.at !== at) {
    // Rebased: every weight was re-rounded, so the sums are computed afresh (in the same array).
    state.totals = computeTotals(state.cells, kernel, totals);
    return;
  }
  // v_c grows by a: the quadratic form vᵀKv grows by 2a(Kv)_c + a²K_cc with (Kv)_c before the
  // change, that is 2a(Kv')_c − a²K_cc with it after.
  const selfWeight = kernel.matrix[cell * HOURS_PER_WEEK + cell]!;
  totals[SELF_SMOOTHED]! +=
    added * (2 * smoothedStoredWeight(state.cells, cell, kernel) - added * selfWeight);
  totals[DAY_TOTAL + Math.floor(cell / DAY_HOURS)]! += added;
}

/** (K v)_cell: the smoothed stored weight of one cell, in active weeks. */
export function smoothedStoredWeight(
  cells: readonly number[],
  cell: number,
  kernel: SmoothingKernel,
): number {
  let sum = 0;
  if (isDense(cells)) {
    const end = kernel.offsets[cell + 1]!;
    for (let index = kernel.offsets[cell]!; index < end; index += 1) {
      sum += kernel.weights[index]! * cells[kernel.neighbours[index]!]!;
    }
  } else {
    const row = cell * HOURS_PER_WEEK;
    for (let index = 0; index < cells.length; index += 2) {
      sum += kernel.matrix[row + cells[index]!]! * cells[index + 1]!;
    }
  }
  return sum / WEIGHT_UNITS_PER_WEEK;
}

/** Computes the totals of `cells` from scratch into `target`. */
export function computeTotals(
  cells: readonly number[],
  kernel: SmoothingKernel,
  target: ProfileTotals,
): ProfileTotals {
  target.fill(0);
  if (!isDense(cells)) {
    // The quadratic form over the pairs of active cells, each pair once (the kernel is symmetric):
    // small profiles recompute it at every judgement.
    for (let first = 0; first < cells.length; first += 2) {
      const cell = cells[first]!;
      const weight = cells[first + 1]! / WEIGHT_UNITS_PER_WEEK;
      const row = cell * HOURS_PER_WEEK;
      let lent = weight * kernel.matrix[row + cell]!;
      for (let other = first + 2; other < cells.length; other += 2) {
        lent += 2 * kernel.matrix[row + cells[other]!]! * (cells[other + 1]! / WEIGHT_UNITS_PER_WEEK);
      }
      target[SELF_SMOOTHED]! += weight * lent;
      target[DAY_TOTAL + Math.floor(cell / DAY_HOURS)]! += weight;
    }
    return target;
  }
  for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
    const units = cells[cell]!;
    if (units === 0) continue;
    const weight = units / WEIGHT_UNITS_PER_WEEK;
    target[SELF_SMOOTHED]! += weight * smoothedStoredWeight(cells, cell, kernel);
    target[DAY_TOTAL + Math.floor(cell / DAY_HOURS)]! += weight;
  }
  return target;
}
