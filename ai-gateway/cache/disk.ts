import { chmod, lstat, mkdir, readdir, readFile, rename, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteLru } from './lru.js';

/** What the cache logs: a pino logger fits. */
export interface WarnLog {
  warn(details: object, message: string): void;
}

/**
 * Entries on disk, one file per entry: `<key>.<expiresAt ms>.json`, written to a temporary name and renamed, 0600 in
 * a 0700 directory. The name carries the key and the expiry and the mtime the last use (set by the cache, debounced),
 * so the index is rebuilt at start from the directory listing alone: no entry is read until it is asked for.
 */
const ENTRY_NAME = /^([0-9a-f]{64})\.(\d{1,16})\.json$/;
const TEMP_MARK = '.tmp-';
/** The on-disk use time only orders entries after a restart: refreshing it at most once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;
const SCAN_BATCH = 256;

interface DiskItem {
  file: string;
  expiresAt: number;
  touchedAt: number;
}

interface Found {
  key: string;
  item: DiskItem;
  bytes: number;
}

export class DiskStore {
  private readonly index: ByteLru<DiskItem>;
  private readonly pending = new Set<Promise<unknown>>();
  private sequence = 0;

  constructor(
    private readonly dir: string,
    private readonly budget: number,
    private readonly log: WarnLog,
  ) {
    this.index = new ByteLru(budget);
  }

  get bytes(): number {
    return this.index.bytes;
  }

  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /** Rebuilds the index from the directory: expired entries and leftover temporary files are removed. */
  async open(now: number): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const names = await readdir(this.dir);
    const found: Found[] = [];
    for (let start = 0; start < names.length; start += SCAN_BATCH) {
      const batch = await Promise.all(names.slice(start, start + SCAN_BATCH).map((name) => this.scan(name, now)));
      for (const entry of batch) if (entry) found.push(entry);
    }
    // Oldest use first, so the index's order is least recently used first; a key written twice keeps the later one.
    found.sort((a, b) => a.item.touchedAt - b.item.touchedAt);
    for (const { key, item, bytes } of found) {
      const previous = this.index.peek(key);
      if (previous && previous.expiresAt > item.expiresAt) {
        this.drop(item.file);
        continue;
      }
      this.put(key, item, bytes);
      if (previous) this.drop(previous.file);
    }
  }

  private async scan(name: string, now: number): Promise<Found | undefined> {
    if (name.includes(TEMP_MARK)) {
      await this.removeFile(name);
      return undefined;
    }
    const match = ENTRY_NAME.exec(name);
    if (!match) return undefined;
    const info = await lstat(join(this.dir, name)).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const expiresAt = Number(match[2]);
    if (expiresAt <= now) {
      await this.removeFile(name);
      return undefined;
    }
    return { key: match[1]!, item: { file: name, expiresAt, touchedAt: info.mtimeMs }, bytes: info.size };
  }

  /** Marks the entry as just used. */
  touch(key: string, now: number): void {
    const item = this.index.get(key);
    if (!item || now - item.touchedAt < TOUCH_EVERY_MS) return;
    item.touchedAt = now;
    const seconds = now / 1000;
    // A failed touch only blurs the order after a restart.
    this.track(utimes(join(this.dir, item.file), seconds, seconds).catch(() => undefined));
  }

  /** The entry's text, or undefined when it is gone or unreadable (then it is forgotten). */
  async read(key: string): Promise<string | undefined> {
    const item = this.index.peek(key);
    if (!item) return undefined;
    try {
      return await readFile(join(this.dir, item.file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ key, error }, 'cache entry unreadable');
      if (this.index.peek(key) === item) this.remove(key);
      return undefined;
    }
  }

  /** Writes an entry (temporary file, then rename); entries that fit no more are removed, least recently used first. */
  async write(key: string, text: string, expiresAt: number, now: number): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.budget) return;
    const file = `${key}.${expiresAt}.json`;
    const temp = join(this.dir, `${key}${TEMP_MARK}${process.pid}-${this.sequence++}`);
    try {
      await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
      await utimes(temp, now / 1000, now / 1000);
      await rename(temp, join(this.dir, file));
    } catch (error) {
      this.log.warn({ key, error }, 'cache entry not written');
      await unlink(temp).catch(() => undefined);
      return;
    }
    const previous = this.index.peek(key);
    this.put(key, { file, expiresAt, touchedAt: now }, bytes);
    if (previous && previous.file !== file) this.drop(previous.file);
  }

  remove(key: string): void {
    const item = this.index.peek(key);
    if (!item) return;
    this.index.delete(key);
    this.drop(item.file);
  }

  /** Removes the entries expired at `now`; returns how many. */
  sweep(now: number): number {
    const expired = this.index.entries().filter(({ value }) => value.expiresAt <= now);
    for (const { key } of expired) this.remove(key);
    return expired.length;
  }

  /** Waits for the file operations in flight. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private put(key: string, item: DiskItem, bytes: number): void {
    for (const evicted of this.index.set(key, item, bytes)) this.drop(evicted.value.file);
  }

  private drop(file: string): void {
    this.track(this.removeFile(file));
  }

  private async removeFile(name: string): Promise<void> {
    try {
      await unlink(join(this.dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn({ file: name, error }, 'cache file not removed');
    }
  }

  private track(operation: Promise<unknown>): void {
    this.pending.add(operation);
    void operation.finally(() => this.pending.delete(operation));
  }
}
