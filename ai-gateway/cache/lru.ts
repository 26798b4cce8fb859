/**
 * A map under a byte budget that forgets its least recently used items first. A Map keeps insertion order, so
 * "use" is delete + set and the oldest item is the first key: every operation is O(1) but eviction.
 */
export class ByteLru<V> {
  private readonly items = new Map<string, { value: V; bytes: number }>();
  private used = 0;

  constructor(private readonly budget: number) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.items.size;
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  /** Reads and marks as just used. */
  get(key: string): V | undefined {
    const item = this.items.get(key);
    if (!item) return undefined;
    this.items.delete(key);
    this.items.set(key, item);
    return item.value;
  }

  /** Reads without changing the order (sweeps, stats). */
  peek(key: string): V | undefined {
    return this.items.get(key)?.value;
  }

  /**
   * Stores as the most recently used and returns what was pushed out to fit the budget, oldest first. An item larger
   * than the whole budget is not kept (and replaces nothing).
   */
  set(key: string, value: V, bytes: number): { key: string; value: V }[] {
    if (bytes > this.budget) return [];
    this.delete(key);
    this.items.set(key, { value, bytes });
    this.used += bytes;
    const evicted: { key: string; value: V }[] = [];
    for (const [oldest, item] of this.items) {
      if (this.used <= this.budget) break;
      this.delete(oldest);
      evicted.push({ key: oldest, value: item.value });
    }
    return evicted;
  }

  delete(key: string): boolean {
    const item = this.items.get(key);
    if (!item) return false;
    this.items.delete(key);
    this.used -= item.bytes;
    return true;
  }

  entries(): { key: string; value: V; bytes: number }[] {
    return [...this.items].map(([key, item]) => ({ key, ...item }));
  }
}
