import { describe, expect, it } from 'vitest';
import { RequestIdDeduper } from '../../src/events/dedupe.js';

describe('RequestIdDeduper', () => {
  it('reports the second sighting of a request id as a duplicate', () => {
    const deduper = new RequestIdDeduper();
    expect(deduper.seen('req-1')).toBe(false);
    expect(deduper.seen('req-2')).toBe(false);
    expect(deduper.seen('req-1')).toBe(true);
    expect(deduper.seen('req-1')).toBe(true);
  });

  it('remembers at least the last `capacity` distinct ids exactly', () => {
    const capacity = 1000;
    const deduper = new RequestIdDeduper({ capacity });
    for (let i = 0; i < 10_000; i++) {
      expect(deduper.seen(`id-${i}`)).toBe(false);
      const recent = i - ((i * 7919) % capacity); // some id among the last `capacity`
      if (recent >= 0) expect(deduper.seen(`id-${recent}`)).toBe(true);
    }
  });

  it('holds at most twice its capacity and forgets the oldest ids', () => {
    const deduper = new RequestIdDeduper({ capacity: 100 });
    for (let i = 0; i < 1000; i++) {
      deduper.seen(`id-${i}`);
      expect(deduper.size).toBeLessThanOrEqual(200);
    }
    expect(deduper.seen('id-0')).toBe(false);
  });

  it('never calls a new id a duplicate', () => {
    const deduper = new RequestIdDeduper({ capacity: 50 });
    for (let i = 0; i < 5000; i++) expect(deduper.seen(`unique-${i}`)).toBe(false);
  });

  it('is off with capacity 0', () => {
    const deduper = new RequestIdDeduper({ capacity: 0 });
    expect(deduper.seen('a')).toBe(false);
    expect(deduper.seen('a')).toBe(false);
  });

  it('refuses a negative or fractional capacity', () => {
    expect(() => new RequestIdDeduper({ capacity: -1 })).toThrow(
      expect.objectContaining({ code: 'KW_ERR_CONFIG_INVALID' }),
    );
    expect(() => new RequestIdDeduper({ capacity: 2.5 })).toThrow(/capacity/);
  });
});
