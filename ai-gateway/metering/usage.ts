/** What one call costs and uses, as the server reports it to metering (the ledger and the metrics). */

/** semantic: answered by the semantic cache (a similar earlier request); hit: by the exact-match cache. */
export type CacheResult = 'hit' | 'semantic' | 'miss' | 'bypass';

export interface UsageRecord {
  /** Epoch milliseconds. */
  time: number;
  /** The gateway key's id (never the key). */
  keyId: string;
  /** The model name the client sent. */
  model: string;
  provider: string;
  cache: CacheResult;
  /** HTTP status the client got; 400 and above count as errors. */
  status: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
  /** What a cache hit would have cost upstream. */
  savedUsd: number;
}

/** The label set usage is kept by: Prometheus labels and the ledger's rows. */
export interface UsageLabels {
  key: string;
  model: string;
  provider: string;
  cache: CacheResult;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
  savedUsd: number;
}

export type LabelledTotals = UsageLabels & UsageTotals;

/** One hour of one label set; `hour` is the epoch milliseconds the hour starts at. */
export type HourBucket = { hour: number } & LabelledTotals;

export const HOUR_MS = 3_600_000;

export const TOTAL_FIELDS = [
  'requests',
  'errors',
  'promptTokens',
  'completionTokens',
  'cachedTokens',
  'costUsd',
  'savedUsd',
] as const satisfies readonly (keyof UsageTotals)[];

export function emptyTotals(): UsageTotals {
  return { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0, savedUsd: 0 };
}

export function labelsOf(record: UsageRecord): UsageLabels {
  return { key: record.keyId, model: record.model, provider: record.provider, cache: record.cache };
}

/** A label set as one map key (JSON, so no model name a client sends can make two label sets collide). */
export function labelId(labels: UsageLabels): string {
  return JSON.stringify([labels.key, labels.model, labels.provider, labels.cache]);
}

/** A count as counters take it: a negative or non-finite number (a bug upstream of metering) counts as 0. */
export function amount(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

export function addRecord(totals: UsageTotals, record: UsageRecord): void {
  totals.requests += 1;
  if (record.status >= 400) totals.errors += 1;
  totals.promptTokens += amount(record.promptTokens);
  totals.completionTokens += amount(record.completionTokens);
  totals.cachedTokens += amount(record.cachedTokens);
  totals.costUsd += amount(record.costUsd);
  totals.savedUsd += amount(record.savedUsd);
}

export function addTotals(into: UsageTotals, from: UsageTotals): void {
  for (const field of TOTAL_FIELDS) into[field] += from[field];
}
