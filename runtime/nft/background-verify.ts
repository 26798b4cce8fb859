import { isDeepStrictEqual } from 'node:util';
import type { ObservedTable } from '../../renderers/nft/model.js';

/** A verification listing is abandoned after this long (the next tick starts another). */
const VERIFY_TIMEOUT_MS = 30_000;

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

export { VERIFY_TIMEOUT_MS };
