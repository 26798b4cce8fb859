import { open, stat } from 'node:fs/promises';
import { parseEveLine, type EveAlert, type EveStats } from './eve-parse.js';

export type { AlertAction, EveAlert, EveStats } from './eve-parse.js';

/** What was appended to eve.json since the previous read. */
export interface EveBatch {
  /** Alert records, only the fields of EveAlert. */
  alerts: EveAlert[];
  /** Drop records (event_type "drop": packets Suricata dropped, logged per flow by default). */
  drops: number;
  /** The last stats record appended, if any. */
  stats?: EveStats;
  /** Lines that are not JSON objects with an event_type, or alert/stats records missing required fields. */
  malformedLines: number;
  /** Bytes never parsed: a backlog beyond maxReadBytes (the oldest part is skipped) and over-long lines. */
  skippedBytes: number;
  /** The size of eve.json; 0 while it does not exist. */
  bytes: number;
}

export interface EveLogOptions {
  /** At most this many bytes are read per call; a larger backlog is skipped to its last maxReadBytes. */
  maxReadBytes?: number;
  /** A line longer than this is skipped (a partial line is never kept beyond this size). */
  maxLineBytes?: number;
  /**
   * Start at the end of what the file holds at the first read (an operator that adopts or restarts Suricata does
   * not report an earlier run's alerts again); a file that does not exist yet is read from its start once it does.
   */
  startAtEnd?: boolean;
}

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

function emptyBatch(bytes: number, skippedBytes = 0): EveBatch {
  return { alerts: [], drops: 0, malformedLines: 0, skippedBytes, bytes };
}

/** Adds the complete lines of `text` to the batch. */
function parseLines(batch: EveBatch, text: string): void {
  for (const line of text.split('\n')) {
    const record = parseEveLine(line);
    if (record.kind === 'alert') batch.alerts.push(record.alert);
    else if (record.kind === 'drop') batch.drops += 1;
    else if (record.kind === 'stats') batch.stats = record.stats;
    else if (record.kind === 'malformed') batch.malformedLines += 1;
  }
}

/**
 * Follows Suricata's eve.json: each read() parses the complete lines appended since the previous one. A file that
 * shrank (truncation) or was replaced (rotation: a new inode) is read from its start; a missing file is an empty
 * batch. Partial last lines are kept (as bytes, so a UTF-8 character cut between writes stays whole) for the next read.
 */
export class EveLogReader {
  private offset = 0;
  private inode?: number;
  private partial: Buffer = EMPTY;
  /** Set after skipping into the middle of a line: bytes up to the next newline belong to a line not parsed. */
  private discarding = false;
  private readonly maxReadBytes: number;
  private readonly maxLineBytes: number;
  /** Until the first read: what the file already holds is history (an earlier Suricata's), not news. */
  private skipHistory: boolean;

  constructor(
    private readonly path: string,
    options: EveLogOptions = {},
  ) {
    this.maxReadBytes = options.maxReadBytes ?? 8 * 1024 * 1024;
    this.maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
    this.skipHistory = options.startAtEnd ?? false;
  }

  async read(): Promise<EveBatch> {
    const info = await stat(this.path).catch(() => undefined);
    if (!info) {
      // A file created next gets a fresh start, even if it reuses the freed inode.
      this.inode = undefined;
      this.skipHistory = false;
      return emptyBatch(0);
    }
    if (this.skipHistory) {
      this.skipHistory = false;
      this.restart(info.ino);
      this.offset = info.size;
      return emptyBatch(info.size);
    }
    if (info.ino !== this.inode || info.size < this.offset) this.restart(info.ino);
    const skippedBytes = this.skipBacklog(info.size);
    const chunk = await this.readFrom(info.size - this.offset);
    if (!chunk) {
      this.inode = undefined;
      return emptyBatch(0, skippedBytes);
    }
    const batch = emptyBatch(info.size, skippedBytes);
    parseLines(batch, this.takeLines(batch, chunk));
    return batch;
  }

  private restart(inode: number): void {
    this.inode = inode;
    this.offset = 0;
    this.partial = EMPTY;
    this.discarding = false;
  }

  /** Moves past all but the last maxReadBytes of a backlog; returns the bytes skipped. */
  private skipBacklog(size: number): number {
    const backlog = size - this.offset;
    if (backlog <= this.maxReadBytes) return 0;
    const skipped = backlog - this.maxReadBytes + this.partial.length;
    this.offset = size - this.maxReadBytes;
    this.partial = EMPTY;
    // The new offset is most likely inside a line (at worst a whole line is counted as skipped).
    this.discarding = true;
    return skipped;
  }

  /** The bytes from the offset on (at most `length`), or undefined when the file vanished since stat. */
  private async readFrom(length: number): Promise<Buffer | undefined> {
    if (length <= 0) return EMPTY;
    const handle = await open(this.path, 'r').catch(() => undefined);
    if (!handle) return undefined;
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, this.offset);
      this.offset += bytesRead;
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** The complete lines of partial + chunk as text; keeps the rest as the new partial line, within maxLineBytes. */
  private takeLines(batch: EveBatch, chunk: Buffer): string {
    let data = this.partial.length === 0 ? chunk : Buffer.concat([this.partial, chunk]);
    if (this.discarding) {
      const newline = data.indexOf(NEWLINE);
      batch.skippedBytes += newline < 0 ? data.length : newline + 1;
      data = newline < 0 ? EMPTY : data.subarray(newline + 1);
      this.discarding = newline < 0;
    }
    const end = data.lastIndexOf(NEWLINE);
    // Copied so the kept partial line does not pin the whole read buffer.
    this.partial = Buffer.from(data.subarray(end + 1));
    if (this.partial.length > this.maxLineBytes) {
      batch.skippedBytes += this.partial.length;
      this.partial = EMPTY;
      this.discarding = true;
    }
    return end < 0 ? '' : data.subarray(0, end).toString('utf8');
  }
}
