import { KeywatchError } from '../errors.js';

/**
 * Drops exact duplicates by `requestId` (a retried Kafka batch, a file replayed twice) in bounded
 * memory: ids live in two generations of `Set`; when the young one reaches `capacity`, the old one
 * is forgotten. So dedupe is exact within the last `capacity` distinct ids, and best-effort up to
 * `2 × capacity`: an id older than that is no longer recognised (a false "new"), but an id is never
 * wrongly called a duplicate. Memory is at most `2 × capacity` ids. Capacity 0 turns dedupe off.
 *
 * @example
 * const deduper = new RequestIdDeduper({ capacity: 200_000 });
 * deduper.seen('req-1'); // false
 * deduper.seen('req-1'); // true
 */
export class RequestIdDeduper {
  readonly capacity: number;
  private young = new Set<string>();
  private old = new Set<string>();

  constructor(options: { capacity?: number } = {}) {
    const capacity = options.capacity ?? 200_000;
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new KeywatchError('KW_ERR_CONFIG_INVALID', 'The dedupe capacity must be an integer ≥ 0', {
        setting: 'dedupeCapacity',
      });
    }
    this.capacity = capacity;
  }

  /** Whether `requestId` was seen recently (a duplicate); remembers it otherwise. */
  seen(requestId: string): boolean {
    if (this.capacity === 0) return false;
    if (this.young.has(requestId) || this.old.has(requestId)) return true;
    this.young.add(requestId);
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Set();
    }
    return false;
  }

  /** Ids remembered now (at most `2 × capacity`). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
