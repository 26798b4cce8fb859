import type { Rng } from './prng.js';

/** How one direction of one SSM call behaves. All delays are real milliseconds. */
export interface NetworkProfile {
  /** Delays are uniform in [minDelayMs, maxDelayMs], except fast messages and tails. */
  minDelayMs: number;
  maxDelayMs: number;
  /**
   * Probability of a near-instant message (FAST_DELAY_MS): the margins of the safety argument are tightest when a
   * write lands, is read, and a claim lands all at once. Never zero: virtual time must advance.
   */
  fastRate: number;
  /** Probability of a long tail, uniform up to maxTailMs: a request that lands long after its sender gave up. */
  tailRate: number;
  maxTailMs: number;
  /** Probability that a message is lost (a lost response still means the put was applied). */
  lossRate: number;
  /** Probability that SSM answers a request with an error: proof that a write was not applied. */
  errorRate: number;
}

export const FAST_DELAY_MS: readonly [number, number] = [0.01, 1];

export const CALM_NETWORK: NetworkProfile = {
  minDelayMs: 1,
  maxDelayMs: 50,
  fastRate: 0,
  tailRate: 0,
  maxTailMs: 0,
  lossRate: 0,
  errorRate: 0,
};

/** A message's fate: undefined when lost, else its delay. */
export function messageDelay(rng: Rng, net: NetworkProfile): number | undefined {
  if (rng.chance(net.lossRate)) return undefined;
  if (rng.chance(net.tailRate)) return rng.between(net.maxDelayMs, net.maxTailMs);
  if (rng.chance(net.fastRate)) return rng.between(...FAST_DELAY_MS);
  return rng.between(net.minDelayMs, net.maxDelayMs);
}
