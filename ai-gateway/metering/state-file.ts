import { TOTAL_FIELDS, type HourBucket, type LabelledTotals } from './usage.js';

/**
 * The ledger's state file: hourly buckets (dropped after the retention) and all-time totals per label set (kept, so
 * Prometheus counters resume where they were after a restart).
 */
export interface LedgerState {
  buckets: HourBucket[];
  totals: LabelledTotals[];
}

export const STATE_VERSION = 1;

const CACHE_RESULTS = new Set(['hit', 'semantic', 'miss', 'bypass']);

function isTotals(row: unknown): row is LabelledTotals {
  if (row === null || typeof row !== 'object') return false;
  const fields = row as Record<string, unknown>;
  const labels = ['key', 'model', 'provider'].every((name) => typeof fields[name] === 'string');
  const numbers = TOTAL_FIELDS.every((name) => {
    const value = fields[name];
    return typeof value === 'number' && Number.isFinite(value) && value >= 0;
  });
  return labels && numbers && CACHE_RESULTS.has(fields['cache'] as string);
}

function isBucket(row: unknown): row is HourBucket {
  return isTotals(row) && Number.isInteger((row as { hour?: unknown }).hour);
}

/** The state a file holds, or why it cannot be used. */
export function decodeState(text: string): LedgerState | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const state = parsed as { version?: unknown; buckets?: unknown; totals?: unknown } | null;
  if (state?.version !== STATE_VERSION) return `not version ${STATE_VERSION}`;
  if (!Array.isArray(state.buckets) || !state.buckets.every(isBucket)) return 'bad hourly buckets';
  if (!Array.isArray(state.totals) || !state.totals.every(isTotals)) return 'bad all-time totals';
  return { buckets: state.buckets, totals: state.totals };
}

/** The file's text from rows already serialized one by one (only rows that changed are serialized again). */
export function encodeState(buckets: Iterable<string>, totals: Iterable<string>): string {
  return `{"version":${STATE_VERSION},"buckets":[${[...buckets].join(',')}],"totals":[${[...totals].join(',')}]}\n`;
}
