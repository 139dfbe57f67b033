import { describe, expect, it } from 'vitest';
import { Ipv4BlockTable } from '../../src/enrich/ipv4-block-table.js';

interface Network {
  prefix: number;
  name: string;
}

const network = (prefix: number): Network => ({
  prefix,
  name: `${prefix >>> 16}.${(prefix >>> 8) & 255}.${prefix & 255}.0/24`,
});

describe('Ipv4BlockTable', () => {
  it('finds a /24 by any of its addresses and by no other', () => {
    const table = new Ipv4BlockTable<Network>(1000);
    table.set(network(0x51_02_45));
    expect(table.get(0x51_02_45_00)?.name).toBe('81.2.69.0/24');
    expect(table.get(0x51_02_45_ff)?.name).toBe('81.2.69.0/24');
    expect(table.get(0x51_02_46_00)).toBeUndefined();
    expect(table.get(0x51_02_44_ff)).toBeUndefined();
  });

  it('finds the networks at both ends of the address space', () => {
    const table = new Ipv4BlockTable<Network>(1000);
    table.set(network(0));
    table.set(network(0xff_ff_ff));
    expect(table.get(0)?.prefix).toBe(0);
    expect(table.get(0xff_ff_ff_ff)?.prefix).toBe(0xff_ff_ff);
  });

  it('keeps two busy networks that share a set and lets the least recently used one go', () => {
    const table = new Ipv4BlockTable<Network>(2); // one set of two
    table.set(network(1));
    table.set(network(2));
    for (let i = 0; i < 10; i++) {
      expect(table.get(0x1_07)?.prefix).toBe(1);
      expect(table.get(0x2_07)?.prefix).toBe(2);
    }
    expect(table.get(0x1_00)?.prefix).toBe(1); // now network 2 is the least recently used
    table.set(network(3));
    expect(table.get(0x2_00)).toBeUndefined();
    expect(table.get(0x1_00)?.prefix).toBe(1);
    expect(table.get(0x3_00)?.prefix).toBe(3);
    expect(table.size).toBe(2);
  });

  it('never holds more entries than its capacity and keeps most of a smaller working set', () => {
    const table = new Ipv4BlockTable<Network>(10_000);
    for (let prefix = 0; prefix < 100_000; prefix++) {
      table.set(network(prefix * 31));
      expect(table.get((prefix * 31 * 256) >>> 0)?.prefix).toBe(prefix * 31);
    }
    expect(table.size).toBeLessThanOrEqual(10_000);
    const small = new Ipv4BlockTable<Network>(10_000);
    for (let prefix = 0; prefix < 4000; prefix++) small.set(network(0x0a_00_00 + prefix));
    let hits = 0;
    for (let prefix = 0; prefix < 4000; prefix++)
      if (small.get((0x0a_00_00 + prefix) * 256) !== undefined) hits++;
    expect(hits).toBeGreaterThan(3900);
  });

  it.each([0, 1])('holds nothing with capacity %i', (capacity) => {
    const table = new Ipv4BlockTable<Network>(capacity);
    table.set(network(5));
    expect(table.get(0x5_00)).toBeUndefined();
    expect(table.size).toBe(0);
  });
});
