/** client-go's three knobs, with client-go's rule: duration > renew deadline > 1.2 × retry period. */
export interface LeaseTiming {
  /** How long a non-holder waits, on its own clock, after it last saw the lease change before it may claim. */
  leaseDurationMs: number;
  /** How long a holder acts after sending its last successful write; it steps down when no renew lands in time. */
  renewDeadlineMs: number;
  /** How often the holder renews and a non-holder reads. */
  retryPeriodMs: number;
}

/**
 * Failover after a kill -9 is at most leaseDuration + retryPeriod (a reader sees the last renew up to one retry
 * period late, then waits the duration): 5 s. Steady state is one SSM call per retry period per scope: 0.5 calls/s.
 */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  leaseDurationMs: 3_000,
  renewDeadlineMs: 2_600,
  retryPeriodMs: 2_000,
};

const JITTER_FACTOR = 1.2;
/**
 * The clock-rate difference between instances the timing must survive: a reader's lease duration, measured on its
 * clock, must outlast the holder's renew deadline measured on the holder's (NTP-disciplined clocks differ by ppm).
 */
export const TOLERATED_CLOCK_DRIFT = 0.05;

export function checkLeaseTiming(t: LeaseTiming): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(t))
    if (!Number.isFinite(value) || value <= 0) errors.push(`${key} must be a positive number of milliseconds`);
  if (errors.length > 0) return errors;
  if (t.leaseDurationMs * (1 - TOLERATED_CLOCK_DRIFT) <= t.renewDeadlineMs * (1 + TOLERATED_CLOCK_DRIFT))
    errors.push(
      `lease duration must exceed the renew deadline by more than the ${TOLERATED_CLOCK_DRIFT * 100}% clock drift ` +
        `tolerated both ways (at least ${Math.floor((t.renewDeadlineMs * (1 + TOLERATED_CLOCK_DRIFT)) / (1 - TOLERATED_CLOCK_DRIFT)) + 1} ms)`,
    );
  if (t.renewDeadlineMs <= JITTER_FACTOR * t.retryPeriodMs)
    errors.push(`renew deadline must be greater than ${JITTER_FACTOR} × the retry period`);
  return errors;
}
