import { describe, expect, it } from 'vitest';
import {
  alphaForHalfLife,
  DAY_TYPE_HOUR_BUCKETS,
  DEFAULT_SERIES_MODEL_OPTIONS,
  dayTypeHourBucket,
  meanAfterZeros,
  nextMean,
  nextVariance,
  otherDayTypeBucket,
  ratioScore,
  SeriesModel,
  spikeScore,
  tailScore,
  varianceAfterZeros,
  winsorise,
} from './model.js';

describe('EWMA arithmetic', () => {
  it('gives an observation half its weight after the half-life', () => {
    const alpha = alphaForHalfLife(120);
    expect((1 - alpha) ** 120).toBeCloseTo(0.5, 12);
  });

  it('folds a run of zeros in closed form exactly as observing each zero in turn', () => {
    const alpha = alphaForHalfLife(90);
    const starts: Array<[mean: number, variance: number, zeros: number]> = [
      [6.2, 5.1, 1],
      [6.2, 5.1, 37],
      [1_250_000, 4e11, 600],
      [0.03, 0.05, 10_000],
    ];
    for (const [mean, variance, zeros] of starts) {
      let loopMean = mean;
      let loopVariance = variance;
      for (let step = 0; step < zeros; step++) {
        const residual = 0 - loopMean;
        loopVariance = nextVariance(loopVariance, residual, alpha);
        loopMean = nextMean(loopMean, residual, alpha);
      }
      const decay = (1 - alpha) ** zeros;
      expect(meanAfterZeros(mean, decay)).toBeCloseTo(loopMean, 9);
      expect(varianceAfterZeros(variance, mean, decay) / Math.max(loopVariance, 1e-300)).toBeCloseTo(1, 9);
    }
  });

  it('clips only the upside of a residual unless asked for both sides', () => {
    expect(winsorise(50, 10, false)).toBe(10);
    expect(winsorise(-50, 10, false)).toBe(-50);
    expect(winsorise(-50, 10, true)).toBe(-10);
    expect(winsorise(4, 10, true)).toBe(4);
  });
});

describe('scores', () => {
  it('maps z to 0 up to the threshold and rises towards 1 beyond it', () => {
    expect(tailScore(3.9, 4, 2)).toBe(0);
    expect(tailScore(6, 4, 2)).toBeCloseTo(0.632, 3);
    expect(tailScore(40, 4, 2)).toBeLessThanOrEqual(1);
    expect(tailScore(Number.NaN, 4, 2)).toBe(0);
  });

  it('keeps rises under two times at or near 0 and reaches the high band at ten times', () => {
    expect(ratioScore(16, 10)).toBe(0);
    expect(ratioScore(21, 10)).toBeLessThan(0.2);
    expect(ratioScore(32, 10)).toBeLessThan(0.5);
    expect(ratioScore(109, 10)).toBeGreaterThan(0.8);
    expect(ratioScore(219, 10)).toBeGreaterThan(0.9);
  });

  it('scores a spike by the weaker of improbability and size', () => {
    // Ten times a settled key: both strong.
    expect(spikeScore(60, 6, Math.sqrt(6), 4)).toBeGreaterThanOrEqual(0.7);
    // Three times a noisy key (sd as large as the mean): not improbable enough.
    expect(spikeScore(90, 30, 30, 4)).toBe(0);
    // Improbable but small (1.5× a very regular key): too small.
    expect(spikeScore(150, 100, 1, 4)).toBe(0);
  });
});

describe('seasonal buckets', () => {
  it('puts weekday hours in 0–23 and Saturday and Sunday hours in 24–47', () => {
    expect(dayTypeHourBucket(0)).toBe(24); // Sunday 00
    expect(dayTypeHourBucket(24 + 9)).toBe(9); // Monday 09
    expect(dayTypeHourBucket(6 * 24 + 23)).toBe(47); // Saturday 23
    expect(otherDayTypeBucket(9)).toBe(33);
    expect(otherDayTypeBucket(33)).toBe(9);
  });
});

describe('SeriesModel', () => {
  const options = { ...DEFAULT_SERIES_MODEL_OPTIONS, warmUp: 50, halfLife: 50 };

  it('scores 0 during the warm-up, whatever the values', () => {
    const model = new SeriesModel(options);
    const scores = Array.from({ length: 50 }, (_, row) => model.observe(row % 2 === 0 ? 1 : 1_000));
    expect(scores.every((score) => score === 0)).toBe(true);
  });

  it('gives a lone spike in a noisy series a high score and ordinary rows none', () => {
    const model = new SeriesModel(options);
    const noise = (row: number) => Math.sin(row * 12.9898) * 0.5;
    const ordinary: number[] = [];
    for (let row = 0; row < 400; row++) ordinary.push(model.observe(10 + noise(row)));
    expect(Math.max(...ordinary.slice(50))).toBeLessThan(0.3);
    expect(model.observe(25)).toBeGreaterThan(0.9);
  });

  it('learns a spike with reduced weight, so the next ordinary row is not an anomaly', () => {
    const model = new SeriesModel(options);
    for (let row = 0; row < 400; row++) model.observe(10 + Math.sin(row * 12.9898) * 0.5);
    model.observe(1_000);
    expect(model.observe(10)).toBe(0);
  });

  it('scores a flat series with 0 and any departure from it with 1', () => {
    const model = new SeriesModel(options);
    for (let row = 0; row < 100; row++) expect(model.observe(42)).toBe(0);
    expect(model.observe(43)).toBeCloseTo(1, 6);
  });

  it('expects a value that is usual for its bucket once the seasonal offsets are learned', () => {
    const seasonal = new SeriesModel({ ...options, buckets: DAY_TYPE_HOUR_BUCKETS, seasonalHalfLife: 12 });
    const plain = new SeriesModel(options);
    // Every third bucket runs at 100, the others at 10, with a little noise.
    const value = (row: number) => (Math.floor(row / 12) % 3 === 0 ? 100 : 10) + Math.sin(row * 78.233);
    const bucket = (row: number) => Math.floor(row / 12) % DAY_TYPE_HOUR_BUCKETS;
    for (let row = 0; row < 4 * 12 * DAY_TYPE_HOUR_BUCKETS; row++) {
      seasonal.observe(value(row), bucket(row));
      plain.observe(value(row), bucket(row));
    }
    const row = 4 * 12 * DAY_TYPE_HOUR_BUCKETS; // bucket 0: a 100 bucket
    expect(seasonal.observe(value(row), bucket(row))).toBe(0);
    expect(seasonal.observe(10, bucket(row))).toBeGreaterThan(0.9);
    // Without buckets the same 10 is an ordinary value of the mixture.
    plain.observe(value(row), bucket(row));
    expect(plain.observe(10, bucket(row))).toBe(0);
  });
});
