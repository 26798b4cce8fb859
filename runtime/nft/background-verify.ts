import { isDeepStrictEqual } from 'node:util';
import type { ObservedTable, RuleCounter } from '../../renderers/nft/model.js';
import { countersIfSameStructure, type CachedTable } from './table-cache.js';

export interface VerifyTiming {
  /** Shortest time between two verifications. */
  minIntervalMs: number;
  /** The interval is at least this many times the last listing's duration: the CPU share stays under 1/factor. */
  costFactor: number;
}

export const DEFAULT_VERIFY_TIMING: VerifyTiming = { minIntervalMs: 2_000, costFactor: 20 };

/**
 * When to verify the memory against the kernel without a monitor: often for a small table, in proportion to its
 * listing cost for a large one (10,000 firewall rules list in 0.1–0.3 s, so every 2–6 s).
 */
export function verifyIntervalMs(lastListingMs: number, timing: VerifyTiming): number {
  return Math.max(timing.minIntervalMs, timing.costFactor * lastListingMs);
}

/** Whether a full listing shows what the memory holds (counters aside: they move with the traffic). */
export function sameTable(memory: ObservedTable | undefined, listed: ObservedTable | undefined): boolean {
  return isDeepStrictEqual(memory?.table, listed?.table);
}

/**
 * The listing's counters when the table is what the memory says (all of it for a full listing, the structure for a
 * terse one), or undefined when it is not.
 */
export function countersIfUnchanged(
  cache: CachedTable,
  listed: ObservedTable | undefined,
  withElements: boolean,
): RuleCounter[] | undefined {
  if (!withElements) return countersIfSameStructure(cache, listed);
  return sameTable(cache.observed, listed) ? (listed?.counters ?? []) : undefined;
}
