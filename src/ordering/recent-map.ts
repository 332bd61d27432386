/**
 * A bounded memory of the most recently remembered keys (acknowledged parents, spooled parents,
 * ancestors a filter wants kept), in two generations: new keys go into the current one; when it
 * is full it becomes the previous one and the old previous one is forgotten at once.
 *
 * Holds at most `capacity` keys (2 at least) and always the newest `floor(capacity / 2)`.
 *
 * Why not one Map in recency order, evicting its first key: V8 leaves deleted entries in place
 * until the table is rebuilt, so `keys().next()` walks every hole left by earlier evictions. Past
 * the bound each eviction cost 20–90 µs and the rebuilds stalled the event loop for 10–24 ms
 * (100 000 keys). Dropping a whole generation costs nothing per key.
 */
export class RecentMap<K, V extends object | string | number | boolean | null> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  /** Entries held; a key set again while in the older generation counts twice until it goes. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  get(key: K): V | undefined {
    const value = this.current.get(key); // never undefined when present (see V)
    return value !== undefined ? value : this.previous.get(key);
  }

  has(key: K): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  /** Remembers the key as the newest, replacing what was remembered for it. */
  set(key: K, value: V): void {
    // An older copy left in the previous generation is shadowed (lookups try the current one
    // first) and goes with it; deleting it here would cost every new key a lookup.
    if (this.current.size >= this.generationSize && !this.current.has(key)) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }

  delete(key: K): boolean {
    const fromCurrent = this.current.delete(key);
    return this.previous.delete(key) || fromCurrent;
  }
}
