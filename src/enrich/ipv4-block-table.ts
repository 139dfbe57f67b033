/** What an `Ipv4BlockTable` holds: anything that knows its /24 (the top 24 bits of its addresses). */
export interface Ipv4BlockEntry {
  readonly prefix: number;
}

/**
 * A bounded memo of IPv4 /24 networks, found by any of their addresses (a uint32). Each entry
 * carries its own 24-bit prefix — a small integer, stored inline in the object — so a lookup reads
 * just two places in memory: the slots of the address's set and the entry itself. Sets hold two
 * entries, the more recently used first (so that two busy networks whose hashes clash do not keep
 * pushing each other out); a new entry takes the first place and the least recently used one leaves.
 * At most `capacity` entries are held; a capacity below 2 holds nothing.
 *
 * @example
 * const networks = new Ipv4BlockTable<{ prefix: number; name: string }>(1000);
 * networks.set({ prefix: 0x51_02_45, name: '81.2.69.0/24' });
 * networks.get(0x51_02_45_a0)?.name; // '81.2.69.0/24' (81.2.69.160)
 */
export class Ipv4BlockTable<V extends Ipv4BlockEntry> {
  /** Two places per set; allocated on the first `set` (until then every lookup misses). */
  private entries: Array<V | undefined> = [];
  private readonly sets: number;
  /** `sets / 2^32` once allocated (0 before): maps a 32-bit hash onto 0 … sets − 1 without a division. */
  private scale = 0;
  private count = 0;

  constructor(capacity: number) {
    this.sets = Math.max(0, Math.floor(capacity / 2));
  }

  /** The entry of the /24 that holds `address`, if remembered. */
  get(address: number): V | undefined {
    const prefix = address >>> 8;
    const place = 2 * this.setOf(prefix);
    const entries = this.entries;
    const first = entries[place];
    if (first !== undefined && first.prefix === prefix) return first;
    const second = entries[place + 1];
    if (second !== undefined && second.prefix === prefix) {
      entries[place + 1] = first;
      entries[place] = second;
      return second;
    }
    return undefined;
  }

  /** Remembers an entry whose /24 is not held yet (call it after `get` missed). */
  set(entry: V): void {
    if (this.sets === 0) return;
    if (this.scale === 0) {
      this.entries = new Array<V | undefined>(2 * this.sets).fill(undefined);
      this.scale = this.sets / 4_294_967_296;
    }
    const place = 2 * this.setOf(entry.prefix);
    const entries = this.entries;
    if (entries[place + 1] === undefined) this.count++;
    entries[place + 1] = entries[place];
    entries[place] = entry;
  }

  /** Entries held now (never more than the capacity). */
  get size(): number {
    return this.count;
  }

  private setOf(prefix: number): number {
    // Fibonacci hashing spreads neighbouring networks over the whole table.
    return Math.floor((Math.imul(prefix, 0x9e3779b1) >>> 0) * this.scale);
  }
}
