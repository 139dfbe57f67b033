/**
 * Shares one copy of each geographic label (`DE`, `DE|BE`, `DE|BE|Berlin`) between all the keys
 * that store it: thousands of keys used from the same city then cost one string, not thousands.
 * Bounded; once full, labels are simply not shared. Sharing changes memory use only, never results.
 *
 * @example const pool = new LabelPool(4096); pool.share(`${country}|${region}`)
 */
export class LabelPool {
  private readonly labels = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  /** The shared copy of `label` (the label itself the first time, or when the pool is full). */
  share(label: string): string {
    const shared = this.labels.get(label);
    if (shared !== undefined) return shared;
    if (this.labels.size < this.capacity) this.labels.set(label, label);
    return label;
  }
}
