import { join } from 'node:path';
import type { WarnLog } from '../cache/disk.js';
import { LogWriter, readLog } from './log-file.js';
import type { LogEntry, LogHeader, LogRecord } from './log-format.js';

/** What the cache holds now: the file is rewritten from it. */
export interface LiveEntries {
  header: LogHeader;
  count: number;
  entries: () => Iterable<LogEntry>;
}

export interface CacheFileOptions {
  dir: string;
  /** Hex SHA-256 of the embedding model's name. */
  model: string;
  log: WarnLog;
  now: () => number;
  live: () => LiveEntries | undefined;
}

export const LOG_FILE = 'semantic.log';
/** The file is rewritten when it holds more dead records than live ones, and at least this many. */
const COMPACT_AFTER_DEAD = 1024;
/** After a failed write the file is left alone this long (a full disk), the cache working from memory. */
const WRITE_RETRY_MS = 60_000;

/**
 * The semantic cache's log file over its lifetime: replayed at start, appended to, rewritten without its dead records
 * once they outnumber the live ones (write, sync, rename), and left alone for a while after a failed write, the
 * cache then working from memory. Nothing here throws after `load`.
 */
export class CacheFile {
  readonly path: string;
  private writer: LogWriter | undefined;
  private records = 0;
  private writeFailedAt = -Infinity;

  constructor(private readonly options: CacheFileOptions) {
    this.path = join(options.dir, LOG_FILE);
  }

  /** Bytes of the file (0 before the first write). */
  get bytes(): number {
    return this.writer?.bytes ?? 0;
  }

  /**
   * The file's header and live entries (oldest first), or undefined when there is no file or it belongs to another
   * model or format. Call `start` once they are restored.
   */
  load(): { header: LogHeader; entries: LogEntry[]; validBytes: number; damaged: boolean } | undefined {
    const live = new Map<string, LogEntry>();
    let scan;
    try {
      scan = readLog(this.path, (record) => {
        this.records++;
        live.delete(record.type === 'insert' ? record.entry.key : record.key);
        if (record.type === 'insert') live.set(record.entry.key, record.entry);
      });
    } catch (error) {
      this.options.log.warn({ error }, 'semantic cache file unreadable: starting empty');
      return undefined;
    }
    const { header, validBytes, damaged } = scan;
    if (!header || header.model !== this.options.model) {
      if (header || damaged)
        this.options.log.warn({ file: this.path }, 'semantic cache file of another model or format: emptied');
      return undefined;
    }
    if (damaged)
      this.options.log.warn({ file: this.path, validBytes }, 'semantic cache file damaged: its tail is ignored');
    return { header, entries: [...live.values()], validBytes, damaged };
  }

  /** Appends after the loaded file's last whole record, or rewrites it when it is damaged or mostly dead. */
  start(loaded: { validBytes: number; damaged: boolean }): void {
    const live = this.options.live();
    try {
      if (live && (loaded.damaged || this.records - live.count > live.count)) this.rewrite(live);
      else this.writer = LogWriter.append(this.path, loaded.validBytes);
    } catch (error) {
      this.failed(error);
    }
  }

  /** Appends a record, or writes the whole file when there is none yet (first entry, new dimensions, a failure). */
  append(record: LogRecord): void {
    try {
      if (this.writer) {
        if (record.type === 'insert') this.writer.insert(record.entry);
        else this.writer.remove(record.key);
        this.records++;
        this.compactIfWorthIt();
        return;
      }
      const live = this.options.live();
      if (live && this.options.now() - this.writeFailedAt >= WRITE_RETRY_MS) this.rewrite(live);
    } catch (error) {
      this.failed(error);
    }
  }

  /** Forgets the file's contents: the next append writes a new file (new dimensions: the old vectors are useless). */
  discard(): void {
    this.writer?.close();
    this.writer = undefined;
  }

  /** Syncs the file to disk (appends reach the page cache at once; this makes them survive a power cut). */
  sync(): void {
    try {
      this.writer?.sync();
    } catch (error) {
      this.options.log.warn({ error }, 'semantic cache file not synced');
    }
  }

  close(): void {
    this.sync();
    this.discard();
  }

  private compactIfWorthIt(): void {
    const live = this.options.live();
    const dead = this.records - (live?.count ?? 0);
    if (live && dead >= COMPACT_AFTER_DEAD && dead > live.count) this.rewrite(live);
  }

  private rewrite(live: LiveEntries): void {
    const next = LogWriter.create(this.path, live.header, live.entries());
    this.writer?.close();
    this.writer = next;
    this.records = live.count;
  }

  private failed(error: unknown): void {
    this.options.log.warn({ error }, 'semantic cache file not written: working from memory');
    this.writeFailedAt = this.options.now();
    try {
      this.writer?.close();
    } catch {
      // Already gone.
    }
    this.writer = undefined;
  }
}
