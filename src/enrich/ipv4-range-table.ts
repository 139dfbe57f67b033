/**
 * A bounded memo of IPv4 address ranges (uint32 numbers) and what is known about each. The set of
 * an address is chosen by a multiplicative hash of its top `prefixBits` bits, so with 32 every
 * address has its own set and with 24 the addresses of one /24 share one; a lookup hits when a range
 * held in that set contains the address. Each set holds two entries, the more recently used first
 * (two ways, so that two busy entries whose hashes clash do not keep pushing each other out); a new
 * entry takes the first place and the least recently used one leaves. A number key costs nothing to
 * hash (unlike the fresh address strings of parsed events), and there is no bookkeeping beyond that
 * order. At most `capacity` entries are held; a capacity below 2 holds nothing.
 *
 * @example
 * const places = new Ipv4RangeTable<string>(1000, 24);
 * places.set(0x51_02_45_a0, 'GB', 0x51_02_40_00, 0x51_02_47_ff); // 81.2.69.160 in 81.2.64.0–81.2.71.255
 * places.get(0x51_02_45_01); // 'GB' (81.2.69.1: same /24, inside the range)
 */
export class Ipv4RangeTable<V> {
  /**
   * Per set, first and last address of its two ranges (four doubles: one memory access reads the
   * whole set); a free place holds the empty range [1, 0]. Allocated on the first `set`: until then
   * the table is empty (and `get`, finding no bounds, answers nothing).
   */
  private bounds = new Float64Array(0);
  private values: Array<V | undefined> = [];
  private readonly sets: number;
  private readonly shift: number;
  /** `sets / 2^32` once allocated (0 before): maps a 32-bit hash onto 0 … sets − 1 without a division. */
  private scale = 0;
  private count = 0;

  constructor(capacity: number, prefixBits = 32) {
    this.sets = Math.max(0, Math.floor(capacity / 2));
    this.shift = 32 - prefixBits;
  }

  /** What is held for a range containing `address` in the address's set. */
  get(address: number): V | undefined {
    const set = this.setOf(address);
    const bounds = this.bounds;
    const at = 4 * set;
    // Before allocation `bounds[0]` is undefined and the comparisons are false.
    if (bounds[at]! <= address && address <= bounds[at + 1]!) return this.values[2 * set];
    if (bounds[at + 2]! <= address && address <= bounds[at + 3]!) {
      const value = this.values[2 * set + 1];
      this.toFront(set);
      return value;
    }
    return undefined;
  }

  /**
   * Remembers `value` for `first … last` (by default `address` alone), which must contain `address`
   * and not be held already (call it after `get` missed).
   */
  set(address: number, value: V, first = address, last = address): void {
    if (this.sets === 0) return;
    if (this.scale === 0) this.allocate();
    const set = this.setOf(address);
    const bounds = this.bounds;
    const values = this.values;
    const at = 4 * set;
    if (values[2 * set] === undefined || values[2 * set + 1] === undefined) this.count++;
    bounds[at + 2] = bounds[at]!;
    bounds[at + 3] = bounds[at + 1]!;
    values[2 * set + 1] = values[2 * set];
    bounds[at] = first;
    bounds[at + 1] = last;
    values[2 * set] = value;
  }

  /** Entries held now (never more than the capacity). */
  get size(): number {
    return this.count;
  }

  /** Swaps the two entries of a set, so that the one just used comes first. */
  private toFront(set: number): void {
    const bounds = this.bounds;
    const values = this.values;
    const at = 4 * set;
    const first = bounds[at]!;
    const last = bounds[at + 1]!;
    const value = values[2 * set];
    bounds[at] = bounds[at + 2]!;
    bounds[at + 1] = bounds[at + 3]!;
    values[2 * set] = values[2 * set + 1];
    bounds[at + 2] = first;
    bounds[at + 3] = last;
    values[2 * set + 1] = value;
  }

  private allocate(): void {
    const sets = this.sets;
    this.bounds = new Float64Array(4 * sets);
    for (let place = 0; place < 2 * sets; place++) this.bounds[2 * place] = 1;
    this.values = new Array<V | undefined>(2 * sets).fill(undefined);
    this.scale = sets / 4_294_967_296;
  }

  private setOf(address: number): number {
    // Fibonacci hashing spreads neighbouring addresses and prefixes over the whole table.
    return Math.floor((Math.imul(address >>> this.shift, 0x9e3779b1) >>> 0) * this.scale);
  }
}
