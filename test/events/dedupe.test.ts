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

  it('recognises a duplicate whether its first sighting is in the young or the old generation', () => {
    const deduper = new RequestIdDeduper({ capacity: 3 });
    expect(deduper.seen('a')).toBe(false);
    expect(deduper.seen('b')).toBe(false);
    expect(deduper.seen('c')).toBe(false); // the young generation is full: a, b, c become the old one
    expect(deduper.seen('d')).toBe(false);
    expect(deduper.seen('a')).toBe(true);
    expect(deduper.seen('d')).toBe(true);
    expect(deduper.size).toBe(4);
    expect(deduper.seen('e')).toBe(false);
    expect(deduper.seen('f')).toBe(false); // d, e, f become the old generation; a, b, c are forgotten
    expect(deduper.seen('a')).toBe(false);
    expect(deduper.seen('e')).toBe(true);
  });

  it('tells apart ids that differ only in non-ASCII characters or in length', () => {
    const deduper = new RequestIdDeduper({ capacity: 100 });
    const ids = ['req-é', 'req-è', 'req-\u{1F600}', 'req-\u{1F601}', '', ' ', 'req', 'req\u0000'];
    for (const id of ids) expect(deduper.seen(id)).toBe(false);
    for (const id of ids) expect(deduper.seen(id)).toBe(true);
  });

  it('forgets everything on clear', () => {
    const deduper = new RequestIdDeduper({ capacity: 10 });
    for (let i = 0; i < 15; i++) deduper.seen(`id-${i}`);
    deduper.clear();
    expect(deduper.size).toBe(0);
    expect(deduper.seen('id-3')).toBe(false);
    expect(deduper.seen('id-14')).toBe(false);
  });

  it('keeps finding ids when its table is crowded by many ids with nearby slots', () => {
    const deduper = new RequestIdDeduper({ capacity: 20_000 });
    for (let i = 0; i < 20_000; i++) expect(deduper.seen(`x${i}`)).toBe(false);
    for (let i = 0; i < 20_000; i += 7) expect(deduper.seen(`x${i}`)).toBe(true);
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
