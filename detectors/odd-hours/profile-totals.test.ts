import { describe, expect, it } from 'vitest';
import { DAY_HOURS, HOURS_PER_WEEK } from './hour-of-week.js';
import { assessHour, createHourRarity } from './hour-rarity.js';
import { decayFactor, emptyProfile, fillWeights, type OddHoursState } from './profile.js';
import { computeTotals, countActiveHour, createTotals, profileTotals } from './profile-totals.js';
import { compileKernel, type SmoothingKernel } from './smoothing-kernel.js';

const HALF_LIFE = 28 * 24;
const START = 500_000;
const defaultKernel = compileKernel({
  hourNeighbourWeights: [0.6, 0.35, 0.2, 0.05],
  adjacentDayWeight: 0.1,
  dayGroupWeight: 0.1,
});
const otherKernel = compileKernel({
  hourNeighbourWeights: [0.9, 0.1],
  adjacentDayWeight: 0.3,
  dayGroupWeight: 0,
});

/** A small deterministic generator, so every run checks the same profiles. */
function generator(seed: number) {
  let value = seed;
  return (below: number) => {
    value = (value * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor((value / 2_147_483_648) * below);
  };
}

/**
 * The rarity of an hour as the detector first computed it: decay every weight, smooth the whole
 * 168-cell profile, and compare. The totals-based assessment must agree with it.
 */
function referenceRarity(
  cells: readonly number[],
  factor: number,
  cell: number,
  kernel: SmoothingKernel,
  prior: number,
) {
  const weights = new Float64Array(HOURS_PER_WEEK);
  const total = fillWeights(cells, factor, weights);
  if (total <= 0)
    return { probability: 1 / 168, typicalProbability: 1 / 168, surpriseBits: 0, daySurpriseBits: 0 };
  const smoothed = (target: number) => {
    let sum = 0;
    for (let index = kernel.offsets[target]!; index < kernel.offsets[target + 1]!; index += 1) {
      sum += kernel.weights[index]! * weights[kernel.neighbours[index]!]!;
    }
    return sum;
  };
  const dayTotals = new Array<number>(7).fill(0);
  let smoothedTotal = 0;
  let activity = 0;
  for (let other = 0; other < HOURS_PER_WEEK; other += 1) {
    const weight = weights[other]!;
    smoothedTotal += weight * kernel.rowSums[other]!;
    activity += weight * smoothed(other);
    dayTotals[Math.floor(other / DAY_HOURS)]! += weight;
  }
  const normaliser = smoothedTotal + HOURS_PER_WEEK * prior;
  const probability = (smoothed(cell) + prior) / normaliser;
  const typicalProbability = (activity / total + prior) / normaliser;
  const squared = dayTotals.reduce((sum, dayTotal) => sum + dayTotal * dayTotal, 0);
  const dayTotal = dayTotals[Math.floor(cell / DAY_HOURS)]!;
  return {
    probability,
    typicalProbability,
    surpriseBits: Math.max(0, Math.log2(typicalProbability / probability)),
    daySurpriseBits: Math.max(0, Math.log2((squared / total + 24 * prior) / (dayTotal + 24 * prior))),
  };
}

/** A key's profile after `hours` active hours at random cells, with totals kept from the `keepFrom`-th on. */
function grownProfile(random: (below: number) => number, hours: number, keepFrom = 10) {
  const state = emptyProfile();
  let hour = START;
  for (let index = 0; index < hours; index += 1) {
    hour += 1 + random(40);
    countActiveHour(state, random(HOURS_PER_WEEK), hour, HALF_LIFE, defaultKernel);
    if (index === keepFrom) profileTotals(state, defaultKernel, createTotals(), true);
  }
  return { state, hour };
}

function expectClose(actual: number, expected: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

describe('profile totals', () => {
  it.each([
    ['the default smoothing', defaultKernel],
    ['another smoothing', otherKernel],
  ])(
    'stay equal to a recount while hours are counted, sparse and dense, across rebases (%s)',
    (_name, kernel) => {
      const random = generator(7);
      const state = emptyProfile();
      let hour = START;
      let rebases = 0;
      for (let index = 0; index < 400; index += 1) {
        hour += 1 + random(12);
        const at = state.at;
        countActiveHour(state, random(HOURS_PER_WEEK), hour, HALF_LIFE, kernel);
        if (state.at !== at && index > 0) rebases += 1;
        if (index === 10) profileTotals(state, kernel, createTotals(), true);
        if (state.totals === undefined) continue;
        const recount = computeTotals(state.cells, kernel, createTotals());
        state.totals.forEach((sum, position) => {
          expectClose(sum, recount[position]!);
        });
      }
      expect(state.cells.length).toBe(HOURS_PER_WEEK);
      expect(rebases).toBeGreaterThan(3);
    },
  );

  it('are kept only by large profiles and only when asked', () => {
    const small = emptyProfile();
    countActiveHour(small, 10, START, HALF_LIFE, defaultKernel);
    countActiveHour(small, 11, START + 1, HALF_LIFE, defaultKernel);
    profileTotals(small, defaultKernel, createTotals(), true);
    expect(small.totals).toBeUndefined();

    const { state: large } = grownProfile(generator(3), 12, Number.POSITIVE_INFINITY);
    expect(large.cells.length).toBeGreaterThanOrEqual(16);
    const untouched = structuredClone(large);
    profileTotals(large, defaultKernel, createTotals(), false);
    expect(large).toEqual(untouched);
    profileTotals(large, defaultKernel, createTotals(), true);
    expect(large.totals).toHaveLength(8);
  });

  it.each([
    ['a sparse profile', 12],
    ['a dense profile', 200],
  ])('score every hour of %s as the full smoothing of the profile does', (_name, hours) => {
    const { state, hour } = grownProfile(generator(hours), hours);
    expect(state.cells.length === HOURS_PER_WEEK).toBe(hours > 24);
    const totals = profileTotals(state, defaultKernel, createTotals(), false);
    const factor = decayFactor(state.at, hour + 30, HALF_LIFE);
    for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
      const rarity = assessHour(state.cells, totals, factor, cell, defaultKernel, 0.1, createHourRarity());
      const reference = referenceRarity(state.cells, factor, cell, defaultKernel, 0.1);
      expectClose(rarity.probability, reference.probability);
      expectClose(rarity.typicalProbability, reference.typicalProbability);
      expectClose(rarity.surpriseBits, reference.surpriseBits);
      expectClose(rarity.daySurpriseBits, reference.daySurpriseBits);
    }
  });

  it('give an empty profile no surprise at any hour', () => {
    const state: OddHoursState = emptyProfile();
    const totals = profileTotals(state, defaultKernel, createTotals(), true);
    const rarity = assessHour(state.cells, totals, 1, 3, defaultKernel, 0.1, createHourRarity());
    expect(rarity).toEqual({
      cellWeight: 0,
      probability: 1 / 168,
      typicalProbability: 1 / 168,
      surpriseBits: 0,
      daySurpriseBits: 0,
      rarity: 0,
    });
  });

  it('rest on every cell of a day lending the same smoothed total', () => {
    for (const kernel of [defaultKernel, otherKernel]) {
      for (let cell = 0; cell < HOURS_PER_WEEK; cell += 1) {
        expect(kernel.rowSums[cell]).toBe(kernel.dayRowSums[Math.floor(cell / DAY_HOURS)]);
      }
    }
  });
});
