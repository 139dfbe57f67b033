import { describe, expect, it } from 'vitest';
import { TwoGenerationCache } from '../../src/events/bounded-cache.js';

describe('TwoGenerationCache', () => {
  it('never holds more entries than its capacity', () => {
    const cache = new TwoGenerationCache<number, number>(100);
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, i);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.get(9999)).toBe(9999);
    expect(cache.get(0)).toBeUndefined();
  });

  it('keeps an entry that is read often while newer ones come and go', () => {
    const cache = new TwoGenerationCache<string, number>(10);
    cache.set('hot', 1);
    for (let i = 0; i < 1000; i++) {
      cache.set(`cold-${i}`, i);
      expect(cache.get('hot')).toBe(1);
    }
  });

  it('caches nothing with capacity 0', () => {
    const cache = new TwoGenerationCache<string, number>(0);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
