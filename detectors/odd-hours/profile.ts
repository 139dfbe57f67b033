import { HOURS_PER_WEEK } from './hour-of-week.js';

/**
 * What `odd-hours` keeps per key: an hour-of-week profile of decayed *active weeks* (each cell gains
 * 1 per week in which the key was active in that local hour, however many calls it made) plus the
 * bookkeeping for counting each active hour once and for repeat suppression.
 *
 * Weights are stored relative to the reference hour `at`; their value at a later hour `h` is
 * `weight × 2^(−(h − at) / halfLife)`. Storing them that way makes decay lazy (nothing is touched
 * while a key is idle) and keeps rounding from freezing small weights.
 *
 * `cells` is sparse (`[cell, weight, cell, weight, …]`, at most 24 pairs) while the key is active in
 * few hours and dense (168 weights, index = hour-of-week) after that: a key with a handful of events
 * serialises to about 100 bytes.
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
  /** Score the latest active hour received: later events of that hour never score higher. */
  lastScore: number;
  /** Sparse `[cell, weight, …]` pairs, or 168 dense weights. */
  cells: number[];
  /** Time zone the cells are expressed in, when it is not UTC. */
  tz?: string;
}

/** Above this many active cells the profile turns dense (168 numbers cost less than 2 × 24+). */
const MAX_SPARSE_CELLS = 24;
/** A dense profile that thinned out to this many cells after decay turns sparse again. */
const MIN_DENSE_CELLS = 12;
/** Decayed weights below this are dropped: they are noise next to any prior. */
const NEGLIGIBLE_WEIGHT = 0.01;

/** A new, empty profile. */
export function emptyProfile(): OddHoursState {
  return { at: 0, first: -1, last: -1, lastCell: 0, lastScore: 0, cells: [] };
}

/** Whether `cells` holds 168 dense weights (rather than sparse pairs). */
export function isDense(cells: readonly number[]): boolean {
  return cells.length === HOURS_PER_WEEK;
}

/** Stored weight of one cell (relative to the reference hour). */
export function storedWeight(cells: readonly number[], cell: number): number {
  if (isDense(cells)) return cells[cell] ?? 0;
  for (let index = 0; index < cells.length; index += 2) {
    if (cells[index] === cell) return cells[index + 1] ?? 0;
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
  return 2 ** (-(toHour - fromHour) / halfLifeHours);
}

/**
 * Writes the weights of `cells`, decayed by `factor`, into the dense `target` and returns their sum.
 * `target` is a reusable scratch buffer of 168 numbers.
 */
export function fillWeights(cells: readonly number[], factor: number, target: Float64Array): number {
  let total = 0;
  if (isDense(cells)) {
    for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
      const weight = (cells[cell] ?? 0) * factor;
      target[cell] = weight;
      total += weight;
    }
    return total;
  }
  target.fill(0);
  for (let index = 0; index < cells.length; index += 2) {
    const weight = (cells[index + 1] ?? 0) * factor;
    target[cells[index]!] = weight;
    total += weight;
  }
  return total;
}

/**
 * Counts one active hour (`epochHour`, local cell `cell`) into the profile: +1 active week for
 * that cell, at the time it happened.
 */
export function addActiveHour(
  state: OddHoursState,
  cell: number,
  epochHour: number,
  halfLifeHours: number,
): void {
  if (state.cells.length === 0) state.at = epochHour;
  else if (epochHour - state.at >= Math.max(1, halfLifeHours / 4)) rebase(state, epochHour, halfLifeHours);
  const increment = 2 ** ((epochHour - state.at) / halfLifeHours);
  const cells = state.cells;
  if (isDense(cells)) {
    cells[cell] = round3((cells[cell] ?? 0) + increment);
    return;
  }
  for (let index = 0; index < cells.length; index += 2) {
    if (cells[index] === cell) {
      cells[index + 1] = round3((cells[index + 1] ?? 0) + increment);
      return;
    }
  }
  cells.push(cell, round3(increment));
  if (cells.length / 2 > MAX_SPARSE_CELLS) state.cells = toDense(cells);
}

/**
 * Moves the reference hour to `epochHour`, decaying every weight accordingly; negligible weights
 * are dropped and a thinned-out dense profile turns sparse again.
 */
export function rebase(state: OddHoursState, epochHour: number, halfLifeHours: number): void {
  const factor = decayFactor(state.at, epochHour, halfLifeHours);
  state.at = epochHour;
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
  const kept: number[] = [];
  for (let index = 0; index < cells.length; index += 2) {
    const weight = decayed(cells[index + 1] ?? 0, factor);
    if (weight > 0) kept.push(cells[index]!, weight);
  }
  state.cells = kept;
}

/**
 * Moves every cell by `shift` hours (mod 168): used when the key's time zone changes, so what was
 * learned at 09:00 in the old zone stays at the same instants in the new one.
 */
export function shiftCells(state: OddHoursState, shift: number): void {
  const move = (cell: number) => (((cell + shift) % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
  state.lastCell = move(state.lastCell);
  const cells = state.cells;
  if (isDense(cells)) {
    const moved = new Array<number>(HOURS_PER_WEEK).fill(0);
    for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) moved[move(cell)] = cells[cell] ?? 0;
    state.cells = moved;
    return;
  }
  for (let index = 0; index < cells.length; index += 2) cells[index] = move(cells[index]!);
}

function decayed(weight: number, factor: number): number {
  const value = round3(weight * factor);
  return value < NEGLIGIBLE_WEIGHT ? 0 : value;
}

function toDense(sparse: readonly number[]): number[] {
  const dense = new Array<number>(HOURS_PER_WEEK).fill(0);
  for (let index = 0; index < sparse.length; index += 2) dense[sparse[index]!] = sparse[index + 1] ?? 0;
  return dense;
}

function toSparse(dense: readonly number[]): number[] {
  const sparse: number[] = [];
  for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
    const weight = dense[cell] ?? 0;
    if (weight > 0) sparse.push(cell, weight);
  }
  return sparse;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
