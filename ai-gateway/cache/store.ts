import type { CacheConfig } from '../config.js';
import type { ChatCompletion, Usage } from '../openai/types.js';
import { DiskStore, type WarnLog } from './disk.js';
import { ByteLru } from './lru.js';

export type { WarnLog } from './disk.js';

/** A stored answer. Entries are frozen: they are shared by every request they answer. */
export interface CachedEntry {
  completion: ChatCompletion;
  /** The upstream model id that answered. */
  model: string;
  provider: string;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number;
  /** The provider's usage for the original call: what a hit saves. */
  usage: Usage;
}

/** The store dates entries itself (clock and TTL). */
export type NewCacheEntry = Omit<CachedEntry, 'createdAt' | 'expiresAt'>;

export interface CacheStats {
  entries: number;
  /** Bytes of the distinct entries (each counted once, wherever it is held). */
  bytes: number;
  /** Serialized bytes held in memory (the budget's measure, not the heap's). */
  memoryBytes: number;
  diskBytes: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses); 0 before the first lookup. */
  hitRatio: number;
}

const KEY = /^[0-9a-f]{64}$/;
const FORMAT = 1;
const SWEEP_EVERY_MS = 60_000;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** The entry a file holds, or why it cannot be used. */
function decode(text: string, key: string): CachedEntry | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const file = parsed as { v?: unknown; key?: unknown; entry?: Partial<CachedEntry> } | null;
  if (file?.v !== FORMAT || file.key !== key) return 'not an entry of this format and key';
  const entry = file.entry;
  const ok =
    typeof entry?.model === 'string' &&
    typeof entry.provider === 'string' &&
    typeof entry.createdAt === 'number' &&
    typeof entry.expiresAt === 'number' &&
    typeof entry.usage === 'object' &&
    Array.isArray(entry.completion?.choices);
  return ok ? deepFreeze(entry as CachedEntry) : 'entry fields missing';
}

/**
 * The exact-match cache: an LRU in memory under `memoryBytes` over one file per entry under `dir` within
 * `diskBytes`, least recently used out first; entries survive restarts. A lookup that fails in any way is a miss.
 */
export class ExactCache {
  private readonly memory: ByteLru<CachedEntry>;
  private readonly disk: DiskStore;
  private readonly writes = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | undefined;
  private opened = false;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly config: CacheConfig,
    private readonly now: () => number,
    private readonly log: WarnLog,
  ) {
    this.memory = new ByteLru(config.memoryBytes);
    this.disk = new DiskStore(config.dir, config.diskBytes, log);
  }

  /** Creates the directory and rebuilds the index of the entries on disk. A disabled cache touches no file. */
  async open(): Promise<void> {
    if (!this.config.enabled) return;
    await this.disk.open(this.now());
    this.opened = true;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    const entry = this.config.enabled && KEY.test(key) ? await this.lookup(key) : undefined;
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }

  private async lookup(key: string): Promise<CachedEntry | undefined> {
    const now = this.now();
    const held = this.memory.get(key);
    if (held) return this.fresh(key, held, now);
    const text = await this.disk.read(key);
    if (text === undefined) return undefined;
    const entry = decode(text, key);
    if (typeof entry === 'string') {
      this.log.warn({ key, reason: entry }, 'corrupt cache entry removed');
      this.disk.remove(key);
      return undefined;
    }
    if (!this.fresh(key, entry, now)) return undefined;
    this.memory.set(key, entry, Buffer.byteLength(text));
    return entry;
  }

  private fresh(key: string, entry: CachedEntry, now: number): CachedEntry | undefined {
    if (this.expired(entry, now)) {
      this.remove(key);
      return undefined;
    }
    this.disk.touch(key, now);
    return entry;
  }

  /** A TTL shortened since the entry was written applies to it too. */
  private expired(entry: CachedEntry, now: number): boolean {
    return entry.expiresAt <= now || entry.createdAt + this.config.ttlSeconds * 1000 <= now;
  }

  /**
   * Stores an answer; resolves when it is on disk. Never rejects (a failed write is logged, the entry stays in
   * memory), so the server may leave it running after the response is sent.
   */
  set(key: string, fresh: NewCacheEntry): Promise<void> {
    if (!this.config.enabled || !this.opened) return Promise.resolve();
    if (!KEY.test(key)) {
      this.log.warn({ key }, 'cache key is not a SHA-256: entry not stored');
      return Promise.resolve();
    }
    const createdAt = this.now();
    const expiresAt = createdAt + this.config.ttlSeconds * 1000;
    const text = JSON.stringify({ v: FORMAT, key, entry: { ...fresh, createdAt, expiresAt } });
    // The copy read back is what a restart would read, and freezing it leaves the caller's objects alone.
    const { entry } = JSON.parse(text) as { entry: CachedEntry };
    this.memory.set(key, deepFreeze(entry), Buffer.byteLength(text));
    const write = this.disk.write(key, text, expiresAt, createdAt);
    this.writes.add(write);
    return write.finally(() => this.writes.delete(write));
  }

  remove(key: string): void {
    this.memory.delete(key);
    this.disk.remove(key);
  }

  /** Removes expired entries from memory and disk (also on a timer); returns how many entries went. */
  sweep(): number {
    const now = this.now();
    const gone = new Set<string>();
    for (const { key, value } of this.memory.entries()) {
      if (this.expired(value, now)) {
        this.memory.delete(key);
        gone.add(key);
      }
    }
    for (const key of gone) this.disk.remove(key);
    return gone.size + this.disk.sweep(now);
  }

  stats(): CacheStats {
    let entries = this.disk.size;
    let bytes = this.disk.bytes;
    for (const held of this.memory.entries()) {
      if (this.disk.has(held.key)) continue;
      entries++;
      bytes += held.bytes;
    }
    const lookups = this.hits + this.misses;
    const hitRatio = lookups === 0 ? 0 : this.hits / lookups;
    const { hits, misses } = this;
    return { entries, bytes, memoryBytes: this.memory.bytes, diskBytes: this.disk.bytes, hits, misses, hitRatio };
  }

  /** Stops the sweep and waits for writes and removals in flight. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.opened = false;
    await Promise.allSettled([...this.writes]);
    await this.disk.settle();
  }
}
