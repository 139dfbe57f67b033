import { describe, expect, it } from 'vitest';
import { Ipv4RangeTable } from '../../src/enrich/ipv4-range-table.js';

describe('Ipv4RangeTable', () => {
  it('returns what was stored for an address and nothing for others', () => {
    const table = new Ipv4RangeTable<string>(1000);
    table.set(0x51_02_45_a0, 'GB');
    table.set(0, 'zero');
    table.set(0xff_ff_ff_ff, 'broadcast');
    expect(table.get(0x51_02_45_a0)).toBe('GB');
    expect(table.get(0)).toBe('zero');
    expect(table.get(0xff_ff_ff_ff)).toBe('broadcast');
    expect(table.get(0x51_02_45_a1)).toBeUndefined();
    expect(table.get(1)).toBeUndefined();
  });

  it('answers for every address of a stored range that shares the slot prefix', () => {
    const table = new Ipv4RangeTable<string>(1000, 24);
    table.set(0x51_02_45_a0, 'GB', 0x51_02_40_00, 0x51_02_47_ff);
    expect(table.get(0x51_02_45_00)).toBe('GB');
    expect(table.get(0x51_02_45_ff)).toBe('GB');
    // 81.2.70.1 lies in the range but not in the /24 it was stored under.
    expect(table.get(0x51_02_46_01)).toBeUndefined();
  });

  it('does not answer for an address of the same /24 outside the stored range', () => {
    const table = new Ipv4RangeTable<string>(1000, 24);
    table.set(0x51_02_45_10, 'A', 0x51_02_45_00, 0x51_02_45_7f);
    expect(table.get(0x51_02_45_7f)).toBe('A');
    expect(table.get(0x51_02_45_80)).toBeUndefined();
  });

  it('never holds more entries than its capacity and keeps the latest ones', () => {
    const table = new Ipv4RangeTable<number>(100);
    for (let address = 0; address < 100_000; address++) {
      table.set(address * 7919, address);
      expect(table.get(address * 7919)).toBe(address);
    }
    expect(table.size).toBeLessThanOrEqual(100);
    let found = 0;
    for (let address = 0; address < 100_000; address++) {
      const value = table.get(address * 7919);
      if (value !== undefined) {
        expect(value).toBe(address);
        found++;
      }
    }
    expect(found).toBe(table.size);
  });

  it('keeps most of a working set smaller than its capacity', () => {
    const table = new Ipv4RangeTable<number>(10_000);
    const base = 0x0a_00_00_00;
    for (let i = 0; i < 2000; i++) table.set(base + i, i);
    let hits = 0;
    for (let i = 0; i < 2000; i++) if (table.get(base + i) === i) hits++;
    expect(hits).toBeGreaterThan(1900);
  });

  it('keeps two busy entries that share a set and lets the least recently used one go', () => {
    const table = new Ipv4RangeTable<string>(2); // one set of two: every address lands in it
    table.set(1, 'a');
    table.set(2, 'b');
    for (let i = 0; i < 10; i++) {
      expect(table.get(1)).toBe('a');
      expect(table.get(2)).toBe('b');
    }
    expect(table.get(1)).toBe('a'); // now 2 is the least recently used
    table.set(3, 'c');
    expect(table.get(2)).toBeUndefined();
    expect(table.get(1)).toBe('a');
    expect(table.get(3)).toBe('c');
    expect(table.size).toBe(2);
  });

  it.each([0, 1])('holds nothing with capacity %i', (capacity) => {
    const table = new Ipv4RangeTable<number>(capacity);
    table.set(1, 1);
    expect(table.get(1)).toBeUndefined();
    expect(table.size).toBe(0);
  });
});
