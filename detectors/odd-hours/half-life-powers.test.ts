import { describe, expect, it } from 'vitest';
import { halfLifePower } from './half-life-powers.js';

describe('half-life powers', () => {
  it.each([24, 672, 8760])('give exactly 2^(hours / half-life) for a half-life of %i hours', (halfLife) => {
    for (let hours = -3 * halfLife; hours <= 2 * halfLife; hours += 1) {
      expect(halfLifePower(hours, halfLife)).toBe(2 ** (hours / halfLife));
    }
  });

  it('stay exact when half-lives alternate and for hours that are not whole', () => {
    expect(halfLifePower(-672, 672)).toBe(0.5);
    expect(halfLifePower(24, 24)).toBe(2);
    expect(halfLifePower(-672, 672)).toBe(0.5);
    expect(halfLifePower(0.5, 672)).toBe(2 ** (0.5 / 672));
  });
});
