import { describe, expect, it } from 'vitest';
import { hashSeed, Random } from '../../src/scenarios/random.js';

const draws = (rng: Random, count: number) => Array.from({ length: count }, () => rng.next());

describe('Random', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    expect(draws(new Random(42), 5)).toEqual(draws(new Random(42), 5));
    expect(draws(new Random(43), 5)).not.toEqual(draws(new Random(42), 5));
  });

  it('forks independent streams that do not depend on later draws of the parent', () => {
    const parent = new Random(1);
    const child = draws(parent.fork('a'), 3);
    const again = new Random(1);
    expect(draws(again.fork('a'), 3)).toEqual(child);
    expect(draws(again.fork('b'), 3)).not.toEqual(child);
  });

  it('keeps integers and floats inside their bounds', () => {
    const rng = new Random(7);
    const ints = Array.from({ length: 2000 }, () => rng.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    for (let i = 0; i < 2000; i++) {
      const value = rng.float(-1, 1);
      expect(value).toBeGreaterThanOrEqual(-1);
      expect(value).toBeLessThan(1);
    }
  });

  it('draws Poisson counts and normals with the asked means', () => {
    const rng = new Random(11);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(Array.from({ length: 20_000 }, () => rng.poisson(3.5)))).toBeCloseTo(3.5, 1);
    expect(mean(Array.from({ length: 20_000 }, () => rng.poisson(120)))).toBeGreaterThan(119);
    expect(mean(Array.from({ length: 20_000 }, () => rng.poisson(120)))).toBeLessThan(121);
    expect(mean(Array.from({ length: 20_000 }, () => rng.normal(10, 2)))).toBeCloseTo(10, 1);
    expect(rng.poisson(0)).toBe(0);
  });

  it('picks by weight and shuffles without losing elements', () => {
    const rng = new Random(5);
    const picks = Array.from({ length: 10_000 }, () => rng.weighted(['a', 'b'], [9, 1]));
    const share = picks.filter((pick) => pick === 'a').length / picks.length;
    expect(share).toBeGreaterThan(0.87);
    expect(share).toBeLessThan(0.93);
    expect(rng.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => rng.pick([])).toThrow(RangeError);
  });

  it('formats hex of the asked length', () => {
    const rng = new Random(3);
    expect(rng.hex(16)).toMatch(/^[0-9a-f]{16}$/);
    expect(rng.hex(5)).toMatch(/^[0-9a-f]{5}$/);
  });

  it('hashes labels to distinct seeds', () => {
    expect(hashSeed('a', 1)).toBe(hashSeed('a', 1));
    expect(hashSeed('a', 1)).not.toBe(hashSeed('a', 2));
    expect(hashSeed('ab')).not.toBe(hashSeed('a', 'b'));
  });
});
