import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WarnLog } from '../cache/disk.js';
import { sha256Hex } from '../cache/canonical.js';
import { CacheFile, type LiveEntries } from './cache-file.js';
import { isUnitLength, unitVector } from './embedder.js';
import { loadGraphs, saveGraphs } from './graph-file.js';
import { isDigest, type LogEntry, type LogHeader } from './log-format.js';
import { VectorIndex } from './vector-index.js';

export interface SemanticCacheOptions {
  /** Created 0700 if missing; holds `semantic.log` and the saved graphs (0600). */
  dir: string;
  /** Beyond it the oldest entries go first. */
  maxEntries: number;
  ttlSeconds: number;
  /** Epoch milliseconds; Date.now by default. */
  now?: () => number;
  /** The embedding model's name: a file written under another model is emptied at open. */
  model?: string;
  log?: WarnLog;
  /** Partitions up to this size are scanned exactly (see vector-index.ts for the default). */
  exactScanUpTo?: number;
}

export interface SemanticHit {
  /** The exact-cache key holding the answer. */
  key: string;
  /** Cosine similarity of the stored question and the asked one. */
  similarity: number;
}

export interface SemanticCacheStats {
  entries: number;
  /** Bytes of the log file (live entries and those not yet compacted away). */
  bytes: number;
  /** Learned from the first vector; 0 before it. */
  dimensions: number;
  /** Entries waiting for an HNSW graph (built in the background; until then a lookup scores them one by one). */
  indexing: number;
}

interface Entry {
  id: number;
  key: string;
  partition: string;
  createdAt: number;
}

const SILENT: WarnLog = { warn: () => undefined };

/**
 * Questions already answered, as unit vectors by partition, each pointing at the exact-cache key holding its answer.
 * Entries live in memory (insertion order is age order: every entry has the same TTL) and in an append-only log a
 * restart replays (cache-file.ts); HNSW graphs are saved at close and loaded at open (graph-file.ts). Nothing here
 * throws after `open`: a failed write leaves the cache working from memory.
 */
export class SemanticCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byId = new Map<number, Entry>();
  private readonly file: CacheFile;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly model: string;
  private readonly log: WarnLog;
  private index: VectorIndex | undefined;
  private nextId = 1;
  private closed = false;

  private constructor(private readonly options: SemanticCacheOptions) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.now = options.now ?? Date.now;
    this.model = sha256Hex(options.model ?? '');
    this.log = options.log ?? SILENT;
    const { dir } = options;
    this.file = new CacheFile({ dir, model: this.model, log: this.log, now: this.now, live: () => this.live() });
  }

  /** Creates the directory and restores what the files hold. Throws only when the directory cannot be made. */
  static open(options: SemanticCacheOptions): SemanticCache {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    chmodSync(options.dir, 0o700);
    // A rewrite cut short by a crash leaves its temporary file behind.
    for (const name of readdirSync(options.dir)) {
      if (name.includes('.tmp-')) rmSync(join(options.dir, name), { force: true });
    }
    const cache = new SemanticCache(options);
    cache.restore();
    return cache;
  }

  /** The best stored question of `partition` at least `threshold` similar to `vector`; expired entries are dropped. */
  lookup(partition: string, vector: ArrayLike<number>, threshold: number): SemanticHit | undefined {
    const index = this.index;
    const query = index && !this.closed ? unitVector(vector) : undefined;
    if (!index || query?.length !== index.dimensions) return undefined;
    const now = this.now();
    this.expire(now);
    const match = index.best(partition, query, threshold);
    const entry = match && this.byId.get(match.id);
    if (!entry) return undefined;
    // The sweep stops at the first fresh entry; a clock stepped back can leave an older one behind it.
    if (entry.createdAt + this.ttlMs <= now) {
      this.drop(entry);
      return undefined;
    }
    return { key: entry.key, similarity: Math.min(1, match.similarity) };
  }

  /**
   * Remembers that `key` (an exact-cache key) answers the question `vector` in `partition` (both SHA-256 hex).
   * A vector of other dimensions than the stored ones means the embedding model changed: the old entries go.
   */
  insert(partition: string, key: string, vector: ArrayLike<number>): void {
    const unit = this.closed || !isDigest(partition) || !isDigest(key) ? undefined : unitVector(vector);
    if (!unit) return;
    if (this.index && this.index.dimensions !== unit.length) this.reset(unit.length);
    this.index ??= this.newIndex(unit.length);
    const createdAt = this.now();
    this.expire(createdAt);
    const previous = this.entries.get(key);
    if (previous) this.drop(previous);
    const entry: Entry = { id: this.nextId++, key, partition, createdAt };
    this.hold(entry, unit);
    this.file.append({ type: 'insert', entry: { ...entry, vector: unit } });
    for (const oldest of this.entries.values()) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.remove(oldest.key);
    }
  }

  /** Forgets `key` (its answer left the exact cache). */
  remove(key: string): void {
    const entry = this.closed ? undefined : this.entries.get(key);
    if (!entry) return;
    this.drop(entry);
    this.file.append({ type: 'remove', key });
  }

  stats(): SemanticCacheStats {
    if (!this.closed) this.expire(this.now());
    const { index } = this;
    const dimensions = index?.dimensions ?? 0;
    return { entries: this.entries.size, bytes: this.file.bytes, dimensions, indexing: index?.backlog ?? 0 };
  }

  /** Syncs the log to disk (appends reach the page cache at once; this makes them survive a power cut). */
  flush(): void {
    if (!this.closed) this.file.sync();
  }

  /** Saves the HNSW graphs (a restart loads them rather than rebuilding them) and closes the log. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.index?.close();
    if (this.index) saveGraphs(this.options.dir, this.index, this.log);
    this.file.close();
  }

  private restore(): void {
    const loaded = this.file.load();
    if (!loaded) return;
    const now = this.now();
    const fresh = loaded.entries.filter((entry) => entry.createdAt + this.ttlMs > now);
    const kept = fresh.slice(Math.max(0, fresh.length - this.options.maxEntries)).filter((e) => isUnitLength(e.vector));
    const index = (this.index = this.newIndex(loaded.header.dimensions));
    const sizes = new Map<string, number>();
    for (const { partition } of kept) sizes.set(partition, (sizes.get(partition) ?? 0) + 1);
    for (const [partition, size] of sizes) index.reserve(partition, size);
    for (const { vector, ...entry } of kept) this.hold(entry, vector);
    for (const { id } of loaded.entries) this.nextId = Math.max(this.nextId, id + 1);
    this.nextId = Math.max(this.nextId, loadGraphs(this.options.dir, index, this.log) + 1);
    this.file.start(loaded);
  }

  private live(): LiveEntries | undefined {
    const index = this.index;
    if (!index) return undefined;
    const header: LogHeader = { dimensions: index.dimensions, model: this.model };
    return { header, count: this.entries.size, entries: () => this.liveEntries(index) };
  }

  private *liveEntries(index: VectorIndex): Generator<LogEntry> {
    for (const entry of this.entries.values()) {
      const vector = index.vector(entry.partition, entry.id);
      if (vector) yield { ...entry, vector };
    }
  }

  private newIndex(dimensions: number): VectorIndex {
    return new VectorIndex({ dimensions, exactScanUpTo: this.options.exactScanUpTo });
  }

  private hold(entry: Entry, unit: Float32Array): void {
    this.entries.set(entry.key, entry);
    this.byId.set(entry.id, entry);
    this.index!.add(entry.partition, entry.id, unit);
  }

  private drop(entry: Entry): void {
    this.entries.delete(entry.key);
    this.byId.delete(entry.id);
    this.index?.remove(entry.partition, entry.id);
  }

  /** Drops the expired entries: the oldest first, up to the first fresh one. Expiry needs no record in the file. */
  private expire(now: number): void {
    for (const entry of this.entries.values()) {
      if (entry.createdAt + this.ttlMs > now) return;
      this.drop(entry);
    }
  }

  private reset(dimensions: number): void {
    this.log.warn(
      { from: this.index?.dimensions, to: dimensions },
      'embedding dimensions changed: semantic cache emptied',
    );
    this.entries.clear();
    this.byId.clear();
    this.index?.close();
    this.index = undefined;
    this.file.discard();
  }
}
