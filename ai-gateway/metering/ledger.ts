import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MeteringConfig } from '../config.js';
import { decodeState, encodeState } from './state-file.js';
import {
  addRecord,
  addTotals,
  emptyTotals,
  HOUR_MS,
  labelId,
  labelsOf,
  type HourBucket,
  type LabelledTotals,
  type UsageRecord,
  type UsageTotals,
} from './usage.js';

/** What the ledger logs: a pino logger fits. */
export interface WarnLog {
  warn(details: object, message: string): void;
}

export type UsageGroup = 'key' | 'model' | 'provider';

export interface UsageRow extends UsageTotals {
  /** The key id, model or provider the row adds up. */
  name: string;
}

export interface UsageReport {
  /** Epoch milliseconds: rows add up the hours that end after it (usage is kept by the hour). */
  since: number;
  by: UsageGroup;
  /** Most spent first. */
  rows: UsageRow[];
  total: UsageTotals;
}

const FLUSH_EVERY_MS = 5_000;
const DAY_MS = 86_400_000;

/** A row and its JSON, serialized again only after it changed. */
interface Held<T> {
  row: T;
  json: string | undefined;
}

/**
 * Usage by the hour and all-time, per (key, model, provider, cache result), kept in a 0600 state file written every
 * 5 s when something changed and on close. Hourly rows older than the retention are dropped; all-time ones stay.
 */
export class UsageLedger {
  private readonly buckets = new Map<string, Held<HourBucket>>();
  private readonly totals = new Map<string, Held<LabelledTotals>>();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private prunedHour = 0;

  constructor(
    private readonly config: MeteringConfig,
    private readonly now: () => number,
    private readonly log: WarnLog,
  ) {}

  /** Loads the state file (a corrupt one is moved aside) and starts the periodic write. */
  async open(): Promise<void> {
    await mkdir(dirname(this.config.stateFile), { recursive: true, mode: 0o700 });
    let text: string | undefined;
    try {
      text = await readFile(this.config.stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) await this.load(text);
    this.prune();
    this.timer = setInterval(() => void this.tick(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  private async load(text: string): Promise<void> {
    const state = decodeState(text);
    if (typeof state === 'string') {
      const aside = `${this.config.stateFile}.corrupt-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.config.stateFile, aside);
      this.log.warn({ file: aside, reason: state }, 'usage state file corrupt: moved aside, usage starts from zero');
      return;
    }
    for (const bucket of state.buckets)
      this.buckets.set(`${bucket.hour} ${labelId(bucket)}`, { row: bucket, json: undefined });
    for (const total of state.totals) this.totals.set(labelId(total), { row: total, json: undefined });
  }

  record(record: UsageRecord): void {
    const labels = labelsOf(record);
    const id = labelId(labels);
    const hour = Math.floor(record.time / HOUR_MS) * HOUR_MS;
    const bucket = this.held(this.buckets, `${hour} ${id}`, () => ({ hour, ...labels, ...emptyTotals() }));
    addRecord(bucket.row, record);
    bucket.json = undefined;
    const total = this.held(this.totals, id, () => ({ ...labels, ...emptyTotals() }));
    addRecord(total.row, record);
    total.json = undefined;
    this.dirty = true;
  }

  private held<T>(map: Map<string, Held<T>>, id: string, create: () => T): Held<T> {
    let held = map.get(id);
    if (!held) {
      held = { row: create(), json: undefined };
      map.set(id, held);
    }
    return held;
  }

  /** Usage since a moment, added up by key, model or provider. */
  query(options: { since: Date; by: UsageGroup }): UsageReport {
    const since = options.since.getTime();
    const groups = new Map<string, UsageRow>();
    const total = emptyTotals();
    for (const { row } of this.buckets.values()) {
      if (row.hour + HOUR_MS <= since || this.expired(row.hour)) continue;
      const name = row[options.by];
      let group = groups.get(name);
      if (!group) {
        group = { name, ...emptyTotals() };
        groups.set(name, group);
      }
      addTotals(group, row);
      addTotals(total, row);
    }
    const rows = [...groups.values()].sort((a, b) => b.costUsd - a.costUsd || a.name.localeCompare(b.name));
    return { since, by: options.by, rows, total };
  }

  /** All-time totals per label set (they never expire): what the Prometheus counters start from. */
  allTime(): LabelledTotals[] {
    return [...this.totals.values()].map(({ row }) => ({ ...row }));
  }

  private expired(hour: number): boolean {
    return hour + HOUR_MS <= this.now() - this.config.retentionDays * DAY_MS;
  }

  /** Drops hourly rows past the retention, once per hour of the clock. */
  private prune(): void {
    const hour = Math.floor(this.now() / HOUR_MS);
    if (hour === this.prunedHour) return;
    this.prunedHour = hour;
    for (const [id, { row }] of this.buckets) {
      if (!this.expired(row.hour)) continue;
      this.buckets.delete(id);
      this.dirty = true;
    }
  }

  private async tick(): Promise<void> {
    this.prune();
    if (this.dirty) await this.flush();
  }

  /** Writes the state file now when something changed (never rejects: a failed write is logged and retried). */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const file = this.config.stateFile;
    const temp = `${file}.tmp-${process.pid}`;
    try {
      await rm(temp, { force: true });
      await writeFile(temp, encodeState(this.serialized(this.buckets), this.serialized(this.totals)), {
        mode: 0o600,
        flag: 'wx',
      });
      await rename(temp, file);
    } catch (error) {
      this.dirty = true;
      this.log.warn({ file, error }, 'usage state not written; retrying');
    }
  }

  private *serialized<T>(map: Map<string, Held<T>>): Generator<string> {
    for (const held of map.values()) {
      held.json ??= JSON.stringify(held.row);
      yield held.json;
    }
  }

  /** Stops the periodic write and writes what changed. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.prune();
    await this.flush();
  }
}
