/**
 * A memo with a hard size bound and no per-entry bookkeeping: two generations of `Map`. New entries
 * go to the young generation; when it fills, the old generation is dropped whole and the young one
 * takes its place. An entry read from the old generation moves back to the young one, so what is
 * used often survives. At most `capacity` entries are held; a lookup is one or two `Map.get`s.
 *
 * @example
 * const templates = new TwoGenerationCache<string, string>(10_000);
 * templates.set('/v1/people/me', '/v1/people/me');
 * templates.get('/v1/people/me'); // '/v1/people/me'
 */
export class TwoGenerationCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generationSize: number;

  /** `capacity` ≤ 0 turns caching off (every `get` misses, `set` keeps nothing). */
  constructor(capacity: number) {
    this.generationSize = capacity > 0 ? Math.max(1, Math.floor(capacity / 2)) : 0;
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.set(key, aged);
    }
    return aged;
  }

  set(key: K, value: V): void {
    if (this.generationSize === 0) return;
    this.young.set(key, value);
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  /** Entries held now (never more than the capacity given). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
