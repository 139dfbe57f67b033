import { halfLifePower } from './half-life-powers.js';
import { HOURS_PER_WEEK } from './hour-of-week.js';

/**
 * What `odd-hours` keeps per key: an hour-of-week profile of decayed *active weeks* (each cell gains
 * 1 per week in which the key was active in that local hour, however many calls it made) plus the
 * bookkeeping for counting each active hour once and for repeat suppression.
 *
 * Weights are stored relative to the reference hour `at`; their value at a later hour `h` is
 * `weight × 2^(−(h − at) / halfLife)`. Storing them that way makes decay lazy (nothing is touched
 * while a key is idle) and keeps rounding from freezing small weights. They are stored as whole
 * thousandths of an active week (`1000` = one week), as the rounding leaves them anyway: integers
 * stay small in JSON and never force V8 to re-allocate an array as one of doubles.
 *
 * `cells` is sparse (`[cell, weight, cell, weight, …]`, at most 24 pairs) while the key is active in
 * few hours and dense (168 weights, index = hour-of-week) after that: a key with a handful of events
 * serialises to about 140 bytes.
 */
export interface OddHoursState {
  /** Epoch hour (hours since 1970-01-01T00:00Z) the stored weights refer to. */
  at: number;
  /** Epoch hour of the key's first event; −1 before any. */
  first: number;
  /** Epoch hour of the latest active hour; it joins `cells` when the next active hour begins. −1 before any. */
  last: number;
  /** Local hour-of-week of `last`. */
  lastCell: number;
  /**
   * Score the latest active hour received, in thousandths (an integer: V8 would box a fraction in
   * its own heap object): later events of that hour never score higher. When the hour could not
   * reach `minScore` at any rarity it was not assessed, and this is that upper bound.
   */
  lastScoreMilli: number;
  /** Sparse `[cell, weight, …]` pairs, or 168 dense weights, in thousandths of an active week. */
  cells: number[];
  /** Time zone the cells are expressed in, when it is not UTC. */
  tz?: string | undefined;
  /**
   * Sums over `cells` that scoring needs (see profile-totals.ts), kept once the profile is large
   * enough for them to be worth their room. A cache: recomputed, or dropped (undefined) until next
   * needed, whenever the cells change other than by counting an hour.
   */
  totals?: number[] | undefined;
}

/** Stored weights are whole thousandths of an active week. */
export const WEIGHT_UNITS_PER_WEEK = 1000;
/** Above this many active cells the profile turns dense (168 numbers cost less than 2 × 24+). */
const MAX_SPARSE_CELLS = 24;
/**
 * Up to this many cells a new cell gets an array of exactly the right length: push() would leave
 * ~16 spare slots behind, more heap than the weights of a key with a handful of events. Larger
 * profiles push, so V8's spare capacity spares them a copy per new cell.
 */
const TIGHT_SPARSE_CELLS = 6;
/** A dense profile that thinned out to this many cells after decay turns sparse again. */
const MIN_DENSE_CELLS = 12;
/** Decayed weights below this (0.01 week) are dropped: they are noise next to any prior. */
const NEGLIGIBLE_UNITS = 10;

/** A new, empty profile. */
export function emptyProfile(): OddHoursState {
  // tz is present from the start (undefined, so left out of the JSON): most keys get one, and a
  // field added later costs a separate, larger property store. totals only come to large profiles.
  return { at: 0, first: -1, last: -1, lastCell: 0, lastScoreMilli: 0, cells: [], tz: undefined };
}

/** Whether `cells` holds 168 dense weights (rather than sparse pairs). */
export function isDense(cells: readonly number[]): boolean {
  return cells.length === HOURS_PER_WEEK;
}

/** Stored weight of one cell (relative to the reference hour), in active weeks. */
export function storedWeight(cells: readonly number[], cell: number): number {
  if (isDense(cells)) return (cells[cell] ?? 0) / WEIGHT_UNITS_PER_WEEK;
  for (let index = 0; index < cells.length; index += 2) {
    if (cells[index] === cell) return (cells[index + 1] ?? 0) / WEIGHT_UNITS_PER_WEEK;
  }
  return 0;
}

/** How many cells carry weight. */
export function activeCellCount(cells: readonly number[]): number {
  if (!isDense(cells)) return cells.length / 2;
  let count = 0;
  for (const weight of cells) if (weight > 0) count += 1;
  return count;
}

/** Multiplier that brings weights stored at `fromHour` to `toHour`. */
export function decayFactor(fromHour: number, toHour: number, halfLifeHours: number): number {
  return halfLifePower(-(toHour - fromHour), halfLifeHours);
}

/**
 * Writes the weights of `cells` in active weeks, decayed by `factor`, into the dense `target` and
 * returns their sum. `target` is a buffer of 168 numbers.
 */
export function fillWeights(cells: readonly number[], factor: number, target: Float64Array): number {
  let total = 0;
  if (isDense(cells)) {
    for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
      const weight = ((cells[cell] ?? 0) / WEIGHT_UNITS_PER_WEEK) * factor;
      target[cell] = weight;
      total += weight;
    }
    return total;
  }
  target.fill(0);
  for (let index = 0; index < cells.length; index += 2) {
    const weight = ((cells[index + 1] ?? 0) / WEIGHT_UNITS_PER_WEEK) * factor;
    target[cells[index]!] = weight;
    total += weight;
  }
  return total;
}

/**
 * Counts one active hour (`epochHour`, local cell `cell`) into the profile: +1 active week for
 * that cell, at the time it happened. Returns how much the cell's stored weight grew, in active
 * weeks (what kept totals must add).
 */
export function addActiveHour(
  state: OddHoursState,
  cell: number,
  epochHour: number,
  halfLifeHours: number,
): number {
  if (state.cells.length === 0) state.at = epochHour;
  else if (epochHour - state.at >= Math.max(1, halfLifeHours / 4)) rebase(state, epochHour, halfLifeHours);
  const increment = halfLifePower(epochHour - state.at, halfLifeHours);
  const cells = state.cells;
  if (isDense(cells)) return grow(cells, cell, increment);
  for (let index = 0; index < cells.length; index += 2) {
    if (cells[index] === cell) return grow(cells, index + 1, increment);
  }
  const units = toUnits(increment);
  const length = cells.length;
  if (length / 2 >= MAX_SPARSE_CELLS) {
    const dense = toDense(cells);
    dense[cell] = units;
    state.cells = dense;
  } else if (length / 2 >= TIGHT_SPARSE_CELLS) {
    cells.push(cell, units);
  } else {
    const grown = new Array<number>(length + 2);
    for (let index = 0; index < length; index += 1) grown[index] = cells[index]!;
    grown[length] = cell;
    grown[length + 1] = units;
    state.cells = grown;
  }
  return units / WEIGHT_UNITS_PER_WEEK;
}

/**
 * Moves the reference hour to `epochHour`, decaying every weight accordingly; negligible weights
 * are dropped and a thinned-out dense profile turns sparse again.
 */
export function rebase(state: OddHoursState, epochHour: number, halfLifeHours: number): void {
  const factor = decayFactor(state.at, epochHour, halfLifeHours);
  state.at = epochHour;
  dropTotals(state);
  const cells = state.cells;
  if (isDense(cells)) {
    let active = 0;
    for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
      const weight = decayed(cells[cell] ?? 0, factor);
      cells[cell] = weight;
      if (weight > 0) active += 1;
    }
    if (active <= MIN_DENSE_CELLS) state.cells = toSparse(cells);
    return;
  }
  let kept = 0;
  for (let index = 0; index < cells.length; index += 2) {
    if (decayed(cells[index + 1] ?? 0, factor) > 0) kept += 1;
  }
  const sparse = new Array<number>(2 * kept);
  let position = 0;
  for (let index = 0; index < cells.length; index += 2) {
    const weight = decayed(cells[index + 1] ?? 0, factor);
    if (weight === 0) continue;
    sparse[position] = cells[index]!;
    sparse[position + 1] = weight;
    position += 2;
  }
  state.cells = sparse;
}

/**
 * Moves every cell by `shift` hours (mod 168): used when the key's time zone changes, so what was
 * learned at 09:00 in the old zone stays at the same instants in the new one.
 */
export function shiftCells(state: OddHoursState, shift: number): void {
  const move = (cell: number) => (((cell + shift) % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
  state.lastCell = move(state.lastCell);
  dropTotals(state);
  const cells = state.cells;
  if (isDense(cells)) {
    const moved = new Array<number>(HOURS_PER_WEEK).fill(0);
    for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) moved[move(cell)] = cells[cell] ?? 0;
    state.cells = moved;
    return;
  }
  for (let index = 0; index < cells.length; index += 2) cells[index] = move(cells[index]!);
}

/** Drops kept totals after a change they cannot follow (not adding the field where it is absent). */
function dropTotals(state: OddHoursState): void {
  if (state.totals !== undefined) state.totals = undefined;
}

/** Adds `increment` weeks to the stored weight at `index`, rounded; returns the growth in weeks. */
function grow(cells: number[], index: number, increment: number): number {
  const before = cells[index] ?? 0;
  const after = toUnits(before / WEIGHT_UNITS_PER_WEEK + increment);
  cells[index] = after;
  return (after - before) / WEIGHT_UNITS_PER_WEEK;
}

/** A stored weight decayed by `factor`, or 0 once negligible. */
function decayed(units: number, factor: number): number {
  const value = toUnits((units / WEIGHT_UNITS_PER_WEEK) * factor);
  return value < NEGLIGIBLE_UNITS ? 0 : value;
}

/** Active weeks → whole thousandths of a week (the rounding every stored weight gets). */
function toUnits(weeks: number): number {
  return Math.round(weeks * WEIGHT_UNITS_PER_WEEK);
}

function toDense(sparse: readonly number[]): number[] {
  const dense = new Array<number>(HOURS_PER_WEEK).fill(0);
  for (let index = 0; index < sparse.length; index += 2) dense[sparse[index]!] = sparse[index + 1] ?? 0;
  return dense;
}

function toSparse(dense: readonly number[]): number[] {
  const sparse = new Array<number>(2 * activeCellCount(dense));
  let position = 0;
  for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
    const weight = dense[cell] ?? 0;
    if (weight === 0) continue;
    sparse[position] = cell;
    sparse[position + 1] = weight;
    position += 2;
  }
  return sparse;
}
