import { KeywatchError } from '../errors.js';
import { fnv1a64 } from './fnv1a64.js';

const MIN_SLOTS = 16;

/** A power of two ≥ `2 × capacity`: a table is never more than half full, so probes stay short. */
function tableSlots(capacity: number): number {
  let slots = MIN_SLOTS;
  while (slots < 2 * capacity) slots *= 2;
  return slots;
}

/**
 * Drops exact duplicates by `requestId` (a retried Kafka batch, a file replayed twice) in bounded
 * memory. Ids are remembered in two generations; when the young one reaches `capacity` ids, the old
 * one is forgotten. So dedupe is exact within the last `capacity` distinct ids, and best-effort up to
 * `2 × capacity`: an id older than that is no longer recognised (a false "new").
 *
 * An id is remembered by its 64-bit FNV-1a hash, not its text, in an open-addressing table (linear
 * probing, each generation at most half full) in one `Uint32Array`: a slot holds the young and the
 * old generation's hash side by side, so checking both is usually one memory access, and the ids
 * themselves are neither kept alive for the garbage collector nor hashed again by `Set`s (which made
 * this the costliest step of intake). The price is a false "duplicate" when a new id has the same
 * 64-bit hash as one of the ≤ `2 × capacity` ids held: for ids that are not crafted to collide, a
 * chance of at most `2 × capacity / 2^64` per event — about 2·10⁻¹⁴ at the default capacity, one
 * lost event in some 10¹³. (Whoever can choose requestIds can already get events dropped by
 * repeating an id, so a crafted collision gives them nothing new.) Memory is fixed and outside the
 * JavaScript heap: 16 bytes a slot, 8 MB at the default capacity. Capacity 0 turns dedupe off.
 *
 * @example
 * const deduper = new RequestIdDeduper({ capacity: 200_000 });
 * deduper.seen('req-1'); // false
 * deduper.seen('req-1'); // true
 */
export class RequestIdDeduper {
  readonly capacity: number;
  /**
   * Four words a slot: (high, low) hash of one generation, then of the other; (0, 0) is free.
   * `youngOffset` (0 or 2) says which pair is the young generation's.
   */
  private readonly table: Uint32Array;
  private youngOffset = 0;
  private youngCount = 0;
  private oldCount = 0;
  /** Slot of a hash = the top bits of a multiplicative mix of it. */
  private readonly slotShift: number;
  private readonly slotMask: number;
  private readonly hash = new Uint32Array(2);

  constructor(options: { capacity?: number } = {}) {
    const capacity = options.capacity ?? 200_000;
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new KeywatchError('KW_ERR_CONFIG_INVALID', 'The dedupe capacity must be an integer ≥ 0', {
        setting: 'dedupeCapacity',
      });
    }
    this.capacity = capacity;
    const slots = capacity === 0 ? 0 : tableSlots(capacity);
    this.table = new Uint32Array(4 * slots);
    this.slotMask = slots - 1;
    this.slotShift = 32 - Math.log2(Math.max(slots, 1));
  }

  /** Whether `requestId` was seen recently (a duplicate); remembers it otherwise. */
  seen(requestId: string): boolean {
    if (this.capacity === 0) return false;
    fnv1a64(requestId, this.hash);
    const high = this.hash[0]!;
    // (0, 0) is the free-slot marker: fold that one hash onto (0, 1).
    const low = high === 0 && this.hash[1] === 0 ? 1 : this.hash[1]!;
    const first = Math.imul(high ^ low, 0x9e3779b1) >>> this.slotShift;
    const young = this.youngOffset;
    if (this.oldCount > 0 && this.probe(2 - young, first, high, low) < 0) return true;
    const word = this.probe(young, first, high, low);
    if (word < 0) return true;
    this.table[word] = high;
    this.table[word + 1] = low;
    if (++this.youngCount >= this.capacity) this.startGeneration();
    return false;
  }

  /** Ids remembered now (at most `2 × capacity`). */
  get size(): number {
    return this.youngCount + this.oldCount;
  }

  clear(): void {
    this.table.fill(0);
    this.youngCount = 0;
    this.oldCount = 0;
  }

  /** -1 when the generation at `offset` holds the hash, else the index of the free word pair for it. */
  private probe(offset: number, first: number, high: number, low: number): number {
    const table = this.table;
    const mask = this.slotMask;
    for (let slot = first; ; slot = (slot + 1) & mask) {
      const word = 4 * slot + offset;
      const storedHigh = table[word]!;
      const storedLow = table[word + 1]!;
      if (storedHigh === high && storedLow === low) return -1;
      if (storedHigh === 0 && storedLow === 0) return word;
    }
  }

  /** The old generation is forgotten and its half of the table becomes the young one. */
  private startGeneration(): void {
    const table = this.table;
    const oldOffset = 2 - this.youngOffset;
    for (let word = oldOffset; word < table.length; word += 4) {
      table[word] = 0;
      table[word + 1] = 0;
    }
    this.youngOffset = oldOffset;
    this.oldCount = this.youngCount;
    this.youngCount = 0;
  }
}
