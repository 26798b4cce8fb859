export interface BackoffTiming {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface RetryTiming extends BackoffTiming {
  /** Slow retry while inert (feature missing, no valid spec, permission missing). */
  inertRetryMs: number;
}

/**
 * Exponential backoff with "equal jitter", capped: base * 2^(attempt-1) scaled by a random factor in [0.5, 1], so
 * retries of a fleet spread out yet never come sooner than half the nominal delay.
 */
export function backoffDelay(attempt: number, timing: BackoffTiming, random: () => number): number {
  const exponential = timing.backoffBaseMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(timing.backoffMaxMs, exponential);
  return Math.round(capped * (0.5 + random() / 2));
}

/** How long to wait before the next try: inert failures retry slowly at a fixed pace, others back off. */
export function retryDelay(
  failure: { inert: boolean; attempt: number },
  timing: RetryTiming,
  random: () => number,
): number {
  return failure.inert ? timing.inertRetryMs : backoffDelay(failure.attempt, timing, random);
}
