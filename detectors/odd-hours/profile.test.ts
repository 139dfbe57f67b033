import { describe, expect, it } from 'vitest';
import { addActiveHour, emptyProfile, fillWeights, rebase, shiftCells, storedWeight } from './profile.js';

const HALF_LIFE = 28 * 24;
const START = 500_000;

describe('hour-of-week profile storage', () => {
  it('adds one active week per hour and stays sparse up to 24 cells', () => {
    const state = emptyProfile();
    for (let cell = 0; cell < 24; cell += 1) addActiveHour(state, cell, START + cell, HALF_LIFE);
    expect(state.cells.length).toBe(48);
    expect(state.at).toBe(START);
    expect(storedWeight(state.cells, 0)).toBe(1);
    expect(storedWeight(state.cells, 23)).toBeCloseTo(2 ** (23 / HALF_LIFE), 3);
  });

  it('turns dense at the 25th cell without changing any weight', () => {
    const state = emptyProfile();
    for (let cell = 0; cell < 25; cell += 1) addActiveHour(state, cell * 5, START + cell, HALF_LIFE);
    expect(state.cells.length).toBe(168);
    for (let cell = 0; cell < 25; cell += 1) {
      expect(storedWeight(state.cells, cell * 5)).toBeCloseTo(2 ** (cell / HALF_LIFE), 3);
    }
    expect(state.cells.filter((weight) => weight > 0)).toHaveLength(25);
  });

  it('decays lazily: weights read at a later hour are halved per half-life', () => {
    const state = emptyProfile();
    addActiveHour(state, 10, START, HALF_LIFE);
    const weights = new Float64Array(168);
    expect(fillWeights(state.cells, 2 ** (-HALF_LIFE / HALF_LIFE), weights)).toBeCloseTo(0.5, 6);
    expect(weights[10]).toBeCloseTo(0.5, 6);
  });

  it('rebases after a quarter half-life so stored weights stay small and rounded', () => {
    const state = emptyProfile();
    addActiveHour(state, 10, START, HALF_LIFE);
    addActiveHour(state, 11, START + HALF_LIFE, HALF_LIFE);
    expect(state.at).toBe(START + HALF_LIFE);
    expect(storedWeight(state.cells, 10)).toBe(0.5);
    expect(storedWeight(state.cells, 11)).toBe(1);
  });

  it('drops weights that decayed below 0.01 and turns a thinned dense profile sparse again', () => {
    const state = emptyProfile();
    for (let cell = 0; cell < 30; cell += 1) addActiveHour(state, cell, START, HALF_LIFE);
    addActiveHour(state, 100, START + HALF_LIFE * 4, HALF_LIFE);
    expect(state.cells.length).toBe(168);
    rebase(state, START + HALF_LIFE * 8, HALF_LIFE); // 1 × 2^-8 < 0.01, 1 × 2^-4 stays
    expect(state.cells).toEqual([100, 63]); // thousandths of an active week
  });

  it('shifts every cell, across the end of the week, when the zone changes', () => {
    const state = emptyProfile();
    addActiveHour(state, 0, START, HALF_LIFE);
    addActiveHour(state, 100, START, HALF_LIFE);
    state.lastCell = 167;
    shiftCells(state, -2);
    expect(state.cells).toEqual([166, 1000, 98, 1000]);
    expect(state.lastCell).toBe(165);
  });
});
